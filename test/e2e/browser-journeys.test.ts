// Browser end to end in headless Chromium: the connect page of `npm start` on the app's origin calling the API
// on another origin (every call preflighted, as in production), the local authorization server's sign-in and
// consent pages, and back: happy and error journeys, the account-linking attack played by two users in two
// browser profiles, and a page on a third origin that cannot call start.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { randomToken } from '../../lambda/oauth/random';
import type { SourceItem } from '../../lambda/records/shapes';
import { redeemCode } from '../support/auth-server';
import { findChromium } from '../support/chromium';
import { expireStateItem, itemsOf, startLocalStack, type LocalStack } from '../support/local-stack';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ALICE = { userId: 'dev-alice', accountId: 'acct-alice' };
const MALLORY = { userId: 'dev-mallory', accountId: 'acct-mallory' };

let stack: LocalStack;
const profiles: string[] = [];
const contexts: BrowserContext[] = [];

async function browserProfile(): Promise<BrowserContext> {
  const executablePath = findChromium();
  const dir = mkdtempSync(join(tmpdir(), 'lb-chromium-'));
  profiles.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath,
    headless: true,
    args: FLAGS,
  });
  contexts.push(context);
  return context;
}

let alice: BrowserContext;
let mallory: BrowserContext;

beforeAll(async () => {
  stack = await startLocalStack();
  [alice, mallory] = await Promise.all([browserProfile(), browserProfile()]);
}, 180_000);

afterAll(async () => {
  try {
    await Promise.allSettled(contexts.map((c) => c.close()));
  } finally {
    await stack?.stop();
    for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

beforeEach(async () => {
  // Each journey starts signed out at the provider (no remembered session or consent).
  await Promise.all([alice.clearCookies(), mallory.clearCookies()]);
});

async function openConnectPage(
  context: BrowserContext,
  user: 'dev-alice' | 'dev-mallory' = 'dev-alice',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${stack.appUrl}/`);
  await page.getByTestId('user').selectOption(user);
  return page;
}

/** Signs in at the local authorization server and answers its consent page. */
async function consent(page: Page, login: string, decision: 'allow' | 'deny' = 'allow'): Promise<void> {
  await page.getByTestId('login').fill(login);
  await page.getByTestId('sign-in').click();
  await page.getByTestId(decision).click();
}

async function outcome(page: Page, status: 'connected' | 'error'): Promise<{ text: string; error?: string }> {
  const result = page.getByTestId('result');
  try {
    await result.and(page.locator(`[data-status="${status}"]`)).waitFor({ timeout: 20_000 });
  } catch (error) {
    const body =
      (await page
        .locator('body')
        .textContent()
        .catch(() => '')) ?? '';
    throw new Error(`no ${status} outcome at ${page.url()}: ${body.replace(/\s+/g, ' ').slice(0, 400)}`, {
      cause: error,
    });
  }
  return {
    text: (await result.textContent()) ?? '',
    error: (await result.getAttribute('data-error')) ?? undefined,
  };
}

/** Statuses of the preflights the API answered for a path (from the local front's request log). */
function preflights(path: string): number[] {
  return stack
    .output()
    .map((line) => new RegExp(`^http: api OPTIONS ${path.replace(/[{}]/g, '\\$&')} -> (\\d{3})`).exec(line))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => Number(m[1]));
}

const sourcesOf = (accountId: string) => itemsOf<SourceItem>('sources', accountId);
/** Sources of an account whose tokens the vault holds sealed (`npm start` runs the dynamodb-kms vault). */
const sealedOf = async (accountId: string) =>
  (await itemsOf<{ sourceId: string; access?: unknown }>('oauth-tokens', accountId))
    .filter((item) => item.access !== undefined)
    .map((item) => item.sourceId)
    .sort();

describe.each([
  ['google', 'Google'],
  ['shopify', 'Shopify'],
  ['quickbooks', 'QuickBooks'],
] as const)('%s: the complete journey', (provider, name) => {
  it('connects in one go: Connect -> sign in and allow at the provider -> connected', async () => {
    const page = await openConnectPage(alice);
    const before = (await sourcesOf(ALICE.accountId)).filter((s) => s.provider === provider).length;
    await page.getByTestId(`connect-${provider}`).click();
    await page.waitForURL((u) => u.toString().startsWith(stack.auth.issuer));
    await consent(page, `alice-${provider}`);
    const { text } = await outcome(page, 'connected');
    expect(text).toContain(`${name} connected`);
    // Start and complete went to the API's origin through a preflight the API allowed.
    expect(preflights(`/integrations/oauth/${provider}/start`)).toContain(204);
    expect(preflights(`/integrations/oauth/${provider}/complete`)).toContain(204);
    // The single-use completion id does not stay in the address bar or history.
    expect(page.url()).toBe(`${stack.appUrl}/integrations`);
    const sourceId = /source (src_[\w-]+)/.exec(text)?.[1] as string;
    const sources = (await sourcesOf(ALICE.accountId)).filter((s) => s.provider === provider);
    expect(sources).toHaveLength(before + 1);
    expect(sources.map((s) => s.sourceId)).toContain(sourceId);
    expect(await sealedOf(ALICE.accountId)).toContain(sourceId);
    // The page lists the new source of the signed-in account.
    await page
      .getByTestId('sources')
      .locator(`li[data-provider="${provider}"]`)
      .first()
      .waitFor({ timeout: 10_000 });
    await page.close();
  }, 60_000);
});

describe('error journeys: the user sees a clear message', () => {
  it('denied consent', async () => {
    const page = await openConnectPage(alice);
    await page.getByTestId('connect-hubspot').click();
    await consent(page, 'alice-hubspot', 'deny');
    const { text, error } = await outcome(page, 'error');
    expect(error).toBe('access_denied');
    expect(text).toContain('You declined access at the provider');
    await page.close();
  }, 60_000);

  it('invalid state', async () => {
    const page = await alice.newPage();
    await page.goto(
      `${stack.apiUrl}/integrations/oauth/callback/google?state=${randomToken(32)}&code=made-up`,
    );
    const { text, error } = await outcome(page, 'error');
    expect(error).toBe('invalid_state');
    expect(text).toContain('already used or is not valid');
    await page.close();
  }, 60_000);

  it('an error code the page does not know: the generic message, never a property of Object', async () => {
    const page = await alice.newPage();
    await page.goto(`${stack.appUrl}/integrations?status=error&error=constructor`);
    const { text, error } = await outcome(page, 'error');
    expect(error).toBe('constructor');
    expect(text).toBe('Something went wrong on our side. Try again.');
    await page.close();
  }, 60_000);

  it('expired state', async () => {
    const started = await fetch(`${stack.apiUrl}/integrations/oauth/box/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token(ALICE)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { authorizationUrl, state } = (await started.json()) as { authorizationUrl: string; state: string };
    await expireStateItem(state);
    const page = await alice.newPage();
    await page.goto(authorizationUrl);
    await consent(page, 'alice-box');
    const { text, error } = await outcome(page, 'error');
    expect(error).toBe('expired_state');
    expect(text).toContain('took too long');
    await page.close();
  }, 60_000);

  it('replayed callback', async () => {
    const page = await openConnectPage(alice);
    let callback: string | undefined;
    page.on('request', (r) => {
      if (r.url().startsWith(`${stack.apiUrl}/integrations/oauth/callback/`)) callback ??= r.url();
    });
    await page.getByTestId('connect-dropbox').click();
    await consent(page, 'alice-dropbox');
    await outcome(page, 'connected');
    expect(callback).toBeDefined();
    await page.goto(callback as string);
    const { text, error } = await outcome(page, 'error');
    expect(error).toBe('invalid_state');
    expect(text).toContain('already used');
    await page.close();
  }, 60_000);

  it.each([
    ['reused (redeemed by someone else first)', 'quickbooks' as const],
    ['expired before it reached us', 'keap' as const],
  ])(
    'authorization code %s: invalid_grant',
    async (_, provider) => {
      const page = await openConnectPage(alice);
      // Between consent and our callback: the provider's redirect is held while the code is spoiled.
      // (Playwright does not route redirected requests, so the consent form's request is the one held.)
      await page.route(`${stack.auth.issuer}/interaction/*/confirm`, async (route) => {
        const confirmed = await route.fetch({ maxRedirects: 0 });
        const resume = new URL(confirmed.headers().location as string, route.request().url()).toString();
        const resumed = await page.context().request.get(resume, { maxRedirects: 0 });
        const location = resumed.headers().location as string;
        const code = new URL(location).searchParams.get('code') as string;
        if (provider === 'quickbooks')
          expect(
            await redeemCode(
              stack.auth,
              provider,
              code,
              `${stack.apiUrl}/integrations/oauth/callback/${provider}`,
            ),
          ).toBe(200);
        else expect(await stack.auth.expire('codes', provider)).toBeGreaterThanOrEqual(1);
        await route.fulfill({ status: 303, headers: { location } });
      });
      const before = await sourcesOf(ALICE.accountId);
      await page.getByTestId(`connect-${provider}`).click();
      await consent(page, `alice-${provider}`);
      const { text, error } = await outcome(page, 'error');
      expect(error).toBe('invalid_grant');
      expect(text).toContain('expired or already used');
      expect(await sourcesOf(ALICE.accountId)).toHaveLength(before.length);
      await page.close();
    },
    60_000,
  );
});

describe('the account-linking attack', () => {
  it('attacker starts, victim consents in their own browser: refused at confirmation, nothing connected, no token kept', async () => {
    const [aliceBefore, malloryBefore] = [
      await sourcesOf(ALICE.accountId),
      await sourcesOf(MALLORY.accountId),
    ];
    const [aliceSecrets, mallorySecrets] = [
      await sealedOf(ALICE.accountId),
      await sealedOf(MALLORY.accountId),
    ];
    const revokedBefore = (await stack.auth.stats()).revokedGrants.google?.grants ?? 0;

    // Mallory, signed in to her own ListBackup account, creates an authorization link without opening it.
    const attacker = await openConnectPage(mallory, 'dev-mallory');
    await attacker.getByTestId('link-only').check();
    await attacker.getByTestId('connect-google').click();
    await attacker.getByTestId('link').waitFor();
    const link = (await attacker.getByTestId('link').textContent()) as string;
    expect(link.startsWith(stack.auth.issuer)).toBe(true);

    // Alice, signed in to ListBackup as herself, opens the link and consents with her Google account.
    const victim = await openConnectPage(alice, 'dev-alice');
    await victim.goto(link);
    // A Google account no connection of Alice uses: with one, the grant-wide revocation would be skipped.
    await consent(victim, 'alice-second-google');
    const { text, error } = await outcome(victim, 'error');
    expect(error).toBe('forbidden');
    expect(text).toContain('started by someone else');

    // Nothing connected to either account, no token kept, and the grant revoked at the provider.
    expect(await sourcesOf(ALICE.accountId)).toHaveLength(aliceBefore.length);
    expect(await sourcesOf(MALLORY.accountId)).toHaveLength(malloryBefore.length);
    expect(await sealedOf(ALICE.accountId)).toEqual(aliceSecrets);
    expect(await sealedOf(MALLORY.accountId)).toEqual(mallorySecrets);
    expect((await stack.auth.stats()).revokedGrants.google?.grants ?? 0).toBe(revokedBefore + 1);
    await Promise.all([attacker.close(), victim.close()]);
  }, 90_000);
});

describe('a page on a third origin', () => {
  let server: Server;
  let thirdUrl: string;

  beforeAll(async () => {
    server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title><p>another site');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    thirdUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it("cannot call start with the user's token: the preflight is refused and nothing reaches the handler", async () => {
    const page = await alice.newPage();
    await page.goto(`${thirdUrl}/`);
    const before = stack.output().length;
    const answer = await page.evaluate(
      async ({ api, token }) => {
        try {
          const response = await fetch(`${api}/integrations/oauth/google/start`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{}',
          });
          return `read ${response.status}: ${await response.text()}`;
        } catch (error) {
          return `blocked (${(error as Error).name})`;
        }
      },
      { api: stack.apiUrl, token: stack.token(ALICE) },
    );
    expect(answer).toBe('blocked (TypeError)');
    // The local server's log line reaches us through its stdout, possibly after the browser saw the 403.
    const refused = () =>
      stack
        .output()
        .slice(before)
        .filter((l) => l.startsWith('http: api OPTIONS /integrations/oauth/google/start -> 403'));
    const until = Date.now() + 10_000;
    while (refused().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(refused()).toHaveLength(1);
    const log = stack.output().slice(before);
    expect(log.filter((l) => l.startsWith('http: api POST /integrations/oauth/google/start'))).toEqual([]);

    // Without a preflight (no-cors), the browser drops the Authorization header: the authorizer refuses it.
    await page.evaluate(
      async ({ api, token }) => {
        await fetch(`${api}/integrations/oauth/google/start`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
          body: '{}',
        });
      },
      { api: stack.apiUrl, token: stack.token(ALICE) },
    );
    const posts = () =>
      stack
        .output()
        .slice(before)
        .filter((l) => l.startsWith('http: api POST /integrations/oauth/google/start'));
    for (let waited = 0; posts().length === 0 && waited < 5000; waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    expect(posts()).toEqual([expect.stringContaining('-> 401')]);
    await page.close();
  }, 60_000);
});
