// Revocation never damages an unrelated connection: refused, late and disconnected grants whose revocation
// reaches a whole grant (Google) or account (Stripe) are kept while another connection shares that account.
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { completionKey } from '../../lambda/oauth/seal';
import type { ProviderId } from '../../lambda/providers/types';
import type { HttpResult } from '../../lambda/shared/http';
import { captureOutput } from '../support/capture';
import { httpEvent } from '../support/events';
import {
  expireStateItem,
  seedMember,
  startFlowHarness,
  uniqueId,
  type Caller,
  type FlowHarness,
} from '../support/local-stack';
import { stored } from '../support/vault';

let h: FlowHarness;
let disconnectHandler: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;

beforeAll(async () => {
  h = await startFlowHarness({ logLevel: 'WARN' });
  disconnectHandler = (await import('../../lambda/handlers/connection-disconnect')).handler;
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

async function member(): Promise<Caller> {
  const caller = { userId: uniqueId('user'), accountId: uniqueId('acct') };
  await seedMember(caller.userId, caller.accountId);
  return caller;
}

async function tokensOf(caller: Caller, sourceId: string): Promise<TokenDocument> {
  return (await stored({ accountId: caller.accountId, sourceId })).document as TokenDocument;
}

/** A refresh grant sent straight to the authorization server: 200 while the grant is alive. */
async function refreshStatus(provider: ProviderId, document: TokenDocument): Promise<number> {
  const creds = h.auth.credentials[provider];
  const response = await fetch(h.auth.overrides[provider]?.tokenEndpoint as string, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: document.refreshToken as string,
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

const revokedGrants = async (provider: ProviderId) =>
  Object.values((await h.auth.stats()).revokedGrants[provider] ?? {}).reduce((a, b) => a + b, 0);

async function disconnect(caller: Caller, sourceId: string) {
  const result = await disconnectHandler(
    httpEvent({ method: 'DELETE', pathParameters: { sourceId }, caller }),
  );
  return { status: result.statusCode, body: JSON.parse(result.body as string) };
}

describe.each(['stripe', 'google'] as const)('%s: the account-linking defence', (provider) => {
  it("refusing the attacker's completion leaves the victim's own connection refreshable", async () => {
    const victim = await member();
    const attacker = await member();
    const login = uniqueId('victim-co');
    const { sourceId } = await h.connect(provider, victim, { login });
    // The attacker's authorization link, approved by the victim at the provider as themselves.
    const { appRedirect } = await h.authorize(provider, attacker, { login });
    const before = await revokedGrants(provider);
    const output = captureOutput();
    let refused: HttpResult;
    try {
      refused = await h.confirm(provider, victim, appRedirect.searchParams.get('completion') as string);
    } finally {
      output.restore();
    }
    expect(refused.statusCode).toBe(403);
    expect(await revokedGrants(provider)).toBe(before);
    expect(await refreshStatus(provider, await tokensOf(victim, sourceId))).toBe(200);
    // The skip is logged (and counted as RevocationSkipped, checked in the metrics unit tests).
    const skip = output
      .text()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.revocationSkipped === 1);
    expect(skip).toMatchObject({ provider, sharedBy: 1 });
    // Still burned.
    const retry = await h.confirm(provider, attacker, appRedirect.searchParams.get('completion') as string);
    expect(JSON.parse(retry.body as string).error).toBe('invalid_completion');
  });

  it('a late confirmation of a second flow leaves the first connection of that account refreshable', async () => {
    const caller = await member();
    const login = uniqueId('same-co');
    const { sourceId } = await h.connect(provider, caller, { login });
    const { appRedirect } = await h.authorize(provider, caller, { login });
    const completion = appRedirect.searchParams.get('completion') as string;
    await expireStateItem(completionKey(completion));
    expect((await h.confirm(provider, caller, completion)).statusCode).toBe(400);
    expect(await refreshStatus(provider, await tokensOf(caller, sourceId))).toBe(200);
  });

  it('without another connection of that account, the refused grant is still revoked', async () => {
    const victim = await member();
    const attacker = await member();
    const { appRedirect } = await h.authorize(provider, attacker, { login: uniqueId('lone-co') });
    const before = await revokedGrants(provider);
    const refused = await h.confirm(provider, victim, appRedirect.searchParams.get('completion') as string);
    expect(refused.statusCode).toBe(403);
    expect(await revokedGrants(provider)).toBeGreaterThan(before);
  });
});

it('stripe: a disconnect in one ListBackup account leaves the same Stripe account connected in another', async () => {
  const [a, b] = [await member(), await member()];
  const login = uniqueId('shared-co');
  const inA = await h.connect('stripe', a, { login });
  const inB = await h.connect('stripe', b, { login });
  const first = await disconnect(a, inA.sourceId);
  expect(first).toEqual({ status: 200, body: { status: 'disconnected', revocation: 'skipped' } });
  expect(await refreshStatus('stripe', await tokensOf(b, inB.sourceId))).toBe(200);
  // The last connection of that Stripe account is revoked as before.
  const documentB = await tokensOf(b, inB.sourceId);
  const last = await disconnect(b, inB.sourceId);
  expect(last.body.revocation).toBe('revoked');
  expect(await refreshStatus('stripe', documentB)).toBe(400);
});
