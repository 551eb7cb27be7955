// Moving a stage from secrets-manager to dynamodb-kms: the migration command, fallback reads, and refreshes racing it.
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { deleteItem, getItem, closeDb } from '../support/dynamo';
import { captureOutput } from '../support/capture';
import { TEST_STAGE } from '../support/constants';
import { tableName } from '../support/dynamo';
import type { VaultSettings } from '../../lambda/store/vault';
import type { MigrateCounts, MigrateOptions } from '../../scripts/vault/migrate';
import {
  connect,
  newCaller,
  refreshDirectly,
  startWorld,
  vault,
  type TokenWorld,
} from '../support/tokens-world';

// Read by the handlers and token access at import: this stage is migrating.
process.env.TOKEN_VAULT_READ_FALLBACK = 'true';

let world: TokenWorld;
let sm: SecretsManagerClient;
let migrateModule: typeof import('../../scripts/vault/migrate');
let tokens: typeof import('../../lambda/tokens/token-access');

const settings = (): VaultSettings => ({
  stage: TEST_STAGE,
  table: tableName('oauth-tokens'),
  backend: 'dynamodb-kms',
  keyId: process.env.TOKEN_KEY_ID as string,
  readFallback: false,
});

const OPTIONS: MigrateOptions = { dryRun: false, deleteSecrets: false, ratePerSecond: 1000 };
const lines: string[] = [];
const run = (options: Partial<MigrateOptions> = {}): Promise<MigrateCounts> =>
  migrateModule.migrate(
    { ...OPTIONS, ...options },
    { secrets: sm, settings: settings(), log: (l) => lines.push(l) },
  );

beforeAll(async () => {
  world = await startWorld();
  sm = new SecretsManagerClient({
    endpoint: world.aws.endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  migrateModule = await import('../../scripts/vault/migrate');
  tokens = await import('../../lambda/tokens/token-access');
}, 60_000);

afterAll(async () => {
  sm?.destroy();
  await world?.stop();
  closeDb();
});

type Ref = { accountId: string; sourceId: string; login: string };

/**
 * A source as a secrets-manager stage left it: connected through the real flow (rotating Box grant at the
 * authorization server), then its tokens moved back into a secret and the sealed item dropped.
 */
async function legacySource(
  expiresInMs?: number,
  provider: 'box' | 'google' = 'box',
): Promise<Ref & { document: TokenDocument }> {
  const caller = newCaller();
  const login = `m${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const { sourceId } = await connect(world, provider, caller, { login });
  const ref = { accountId: caller.accountId, sourceId };
  const stored = (await vault(world, ref)).document as TokenDocument;
  const document =
    expiresInMs === undefined
      ? stored
      : { ...stored, expiresAt: new Date(Date.now() + expiresInMs).toISOString() };
  await sm.send(
    new CreateSecretCommand({
      Name: `sources/${ref.accountId}/${ref.sourceId}/oauth-tokens`,
      SecretString: JSON.stringify(document),
    }),
  );
  await deleteItem('oauth-tokens', keyOf(ref));
  return { ...ref, login, document };
}

const keyOf = (r: { accountId: string; sourceId: string }) => ({
  accountId: r.accountId,
  sourceId: r.sourceId,
});
const secretOf = (ref: Ref) => world.aws.secrets()[`sources/${ref.accountId}/${ref.sourceId}/oauth-tokens`];

describe('vault migrate', () => {
  it('dry run counts and writes nothing; a run copies, verifies and is idempotent; output carries no token', async () => {
    const a = await legacySource();
    const b = await legacySource();
    const capture = captureOutput();
    try {
      const dry = await run({ dryRun: true });
      expect(dry.copied).toBeGreaterThanOrEqual(2);
      expect(await getItem('oauth-tokens', keyOf(a))).toBeUndefined();

      const first = await run();
      expect(first.failed).toBe(0);
      expect(first.copied).toBeGreaterThanOrEqual(2);
      for (const s of [a, b]) {
        expect((await vault(world, s)).document).toEqual(s.document);
        expect(await getItem('oauth-tokens', keyOf(s))).toMatchObject({ refreshPartition: 'refresh' });
      }
      const second = await run();
      expect(second).toMatchObject({ copied: 0, failed: 0 });
      expect(second.alreadyThere).toBe(second.seen);
      const text = capture.text() + lines.join('\n');
      for (const s of [a, b]) {
        expect(text).not.toContain(s.document.accessToken);
        expect(text).not.toContain(s.document.refreshToken as string);
      }
    } finally {
      capture.restore();
    }
  });

  it('reads fall back to the secret while the item is missing, without writing it', async () => {
    const s = await legacySource();
    const token = await tokens.createTokenAccess(world.config).getAccessToken(s);
    expect(token.accessToken).toBe(s.document.accessToken);
    expect(await getItem('oauth-tokens', keyOf(s))).toBeUndefined();
  });

  it('--delete-secrets schedules the deletion of migrated secrets only; reads then come from the table', async () => {
    const s = await legacySource();
    await run();
    const result = await run({ deleteSecrets: true });
    expect(result.failed).toBe(0);
    expect(result.secretsDeleted).toBeGreaterThanOrEqual(1);
    expect(secretOf(s).deletedAt).toEqual(expect.any(Number));
    const token = await tokens.createTokenAccess(world.config).getAccessToken(s);
    expect(token.accessToken).toBe(s.document.accessToken);
  });

  it('never copies over a disconnect: a source disconnected before its copy stays without tokens', async () => {
    const s = await legacySource();
    // The disconnect handler removes the (fallback) tokens: the secret is scheduled, the item marked removed.
    await world.config.vault.remove(s, 'recoverable');
    await run();
    expect((await vault(world, s)).removed).toBe(true);
  });
});

describe('vault migrate on a stage that keeps secrets-manager', () => {
  const lookupsOnly = (options: Partial<MigrateOptions> = {}) =>
    migrateModule.migrate(
      { ...OPTIONS, ...options },
      {
        secrets: sm,
        settings: { ...settings(), backend: 'secrets-manager', keyId: '' },
        log: (l) => lines.push(l),
      },
    );

  it('writes the lookup item of each source that has none (no tokens in it), idempotently; a dry run writes nothing', async () => {
    // Google's user is a lookup (externalKey: the revocation scope); Box has none, but a refresh keep-alive.
    const a = await legacySource(undefined, 'google');
    const b = await legacySource();
    const dry = await lookupsOnly({ dryRun: true });
    expect(dry.copied).toBeGreaterThanOrEqual(2);
    expect(await getItem('oauth-tokens', keyOf(a))).toBeUndefined();

    const first = await lookupsOnly();
    expect(first.failed).toBe(0);
    const { resolveProvider } = await import('../../lambda/providers/registry');
    const { tokenLookup } = await import('../../lambda/records/shapes');
    for (const s of [a, b]) {
      const item = (await getItem<Record<string, unknown>>('oauth-tokens', keyOf(s))) as Record<
        string,
        unknown
      >;
      const expected = tokenLookup(resolveProvider(s.document.provider, {}), s.document);
      expect(item.externalKey).toBe(expected.externalKey);
      expect(item.refreshDueAt).toBe(expected.refreshDueAt);
      expect(item.refreshDueAt).toEqual(expect.any(String));
      expect(item.access).toBeUndefined();
      expect(item.refresh).toBeUndefined();
      expect(JSON.stringify(item)).not.toContain(s.document.refreshToken as string);
    }
    // What the webhooks and revocation scope look a source up by now finds it.
    const { sourcesByExternalKey } = await import('../../lambda/store/token-items');
    const item = (await getItem<{ externalKey: string }>('oauth-tokens', keyOf(a))) as {
      externalKey: string;
    };
    expect(item.externalKey).toMatch(/^google#/);
    expect(await sourcesByExternalKey(tableName('oauth-tokens'), item.externalKey)).toContainEqual(keyOf(a));

    const again = await lookupsOnly();
    expect(again).toMatchObject({ copied: 0, failed: 0 });
    expect(again.alreadyThere).toBeGreaterThanOrEqual(2);
  });

  it('refuses --delete-secrets: the secrets are the tokens', async () => {
    await expect(lookupsOnly({ deleteSecrets: true })).rejects.toThrow(/keeps its secrets/);
  });
});

describe('refreshes racing the migration (Box rotates refresh tokens)', () => {
  /** The stored refresh token is the one the provider accepts, and the spent one is refused. */
  async function assertNewestKept(s: Ref & { document: TokenDocument }) {
    const stored = (await vault(world, s)).document as TokenDocument;
    expect(stored.refreshToken).not.toBe(s.document.refreshToken);
    // The stored one first: oidc-provider revokes the whole grant when a spent refresh token is replayed.
    expect((await refreshDirectly(world, 'box', stored.refreshToken as string)).status).toBe(200);
    expect(await refreshDirectly(world, 'box', s.document.refreshToken as string)).toMatchObject({
      status: 400,
      error: 'invalid_grant',
    });
  }

  it('the migration copies the old secret between the refresh read and its write: the refreshed tokens win', async () => {
    const s = await legacySource(60_000);
    const real = world.config.vault;
    let copiedFirst = false;
    // Deterministic interleaving: the first write of the refresh runs the migration right before it.
    const config = {
      ...world.config,
      vault: {
        ...real,
        read: real.read.bind(real),
        replace: async (...args: Parameters<typeof real.replace>) => {
          if (!copiedFirst) {
            copiedFirst = true;
            expect((await run()).failed).toBe(0);
          }
          return real.replace(...args);
        },
      },
    };
    const token = await tokens.createTokenAccess(config).getAccessToken(s);
    expect(copiedFirst).toBe(true);
    expect(token.accessToken).not.toBe(s.document.accessToken);
    expect((await vault(world, s)).document?.accessToken).toBe(token.accessToken);
    await assertNewestKept(s);
  });

  it('10 sources refreshed while the migration runs, in parallel: no token lost or rolled back', async () => {
    const sources = await Promise.all(Array.from({ length: 10 }, () => legacySource(60_000)));
    const access = tokens.createTokenAccess(world.config);
    const [results, counts] = await Promise.all([
      Promise.all(sources.map((s) => access.getAccessToken(s))),
      run(),
    ]);
    expect(counts.failed).toBe(0);
    for (const [i, s] of sources.entries()) {
      expect((await vault(world, s)).document?.accessToken).toBe(results[i].accessToken);
      await assertNewestKept(s);
    }
  });
});
