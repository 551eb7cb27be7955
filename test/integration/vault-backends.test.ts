// The vault interface on both backends (DynamoDB Local + moto's KMS; the Secrets Manager stand-in): versions, races, removal, what is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startAwsStandins, type AwsStandins } from '../../scripts/local/aws-standins';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { VersionConflict, tokenVault, type TokenVault, type VaultSettings } from '../../lambda/store/vault';
import { captureOutput } from '../support/capture';
import { TEST_STAGE } from '../support/constants';
import { closeDb, getItem, putItem, tableName } from '../support/dynamo';

let aws: AwsStandins;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vault-'));
  aws = await startAwsStandins(dir);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.endpoint;
});

afterAll(async () => {
  const clients = await import('../../lambda/store/clients');
  for (const client of [clients.dynamo, clients.secrets, clients.kms]) client.destroy();
  await aws.stop();
  rmSync(dir, { recursive: true, force: true });
  closeDb();
});

const settings = (backend: VaultSettings['backend']): VaultSettings => ({
  stage: TEST_STAGE,
  table: tableName('oauth-tokens'),
  backend,
  keyId: process.env.TOKEN_KEY_ID as string,
  readFallback: false,
});

const ref = () => ({ accountId: `acct-${randomUUID()}`, sourceId: `src_${randomUUID().slice(0, 12)}` });

function document(refreshToken = `rt-${randomUUID()}`): TokenDocument {
  return {
    version: 1,
    provider: 'box',
    accessToken: `at-${randomUUID()}`,
    refreshToken,
    tokenType: 'bearer',
    scopes: ['root_readwrite'],
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    obtainedAt: new Date().toISOString(),
    externalAccount: { boxUserId: '42' },
  };
}

const lookup = { externalKey: 'box#boxUserId=42', refreshDueAt: new Date(Date.now() + 60_000).toISOString() };

describe.each(['dynamodb-kms', 'secrets-manager'] as const)('%s backend', (backend) => {
  let vault: TokenVault;
  beforeAll(() => {
    vault = tokenVault(settings(backend));
  });

  it('stores, reads and opens a document; versions count writes; a missing source reads as undefined', async () => {
    const r = ref();
    const doc = document();
    await vault.create(r, doc, lookup);
    const entry = await vault.read(r);
    expect(entry?.version).toBe(1);
    expect(entry?.info).toMatchObject({ provider: 'box', expiresAt: doc.expiresAt, refreshable: true });
    expect(entry?.info).not.toHaveProperty('accessToken');
    expect(await entry?.openAll()).toEqual(doc);
    const access = await entry?.openAccess();
    expect(access?.accessToken).toBe(doc.accessToken);
    expect(access).not.toHaveProperty('refreshToken');
    expect((await entry?.openRefresh())?.refreshToken).toBe(doc.refreshToken);
    await expect(vault.create(r, doc, lookup)).rejects.toBeInstanceOf(VersionConflict);
    expect(await vault.read(ref())).toBeUndefined();
  });

  it('keeps the lookups on the item: external account and refresh due (sparse index)', async () => {
    const r = ref();
    await vault.create(r, document(), lookup);
    expect(await getItem('oauth-tokens', r)).toMatchObject({
      externalKey: lookup.externalKey,
      refreshPartition: 'refresh',
      refreshDueAt: lookup.refreshDueAt,
    });
    const basis = await vault.read(r);
    await vault.replace(r, document(), { externalKey: lookup.externalKey }, basis);
    const item = await getItem<Record<string, unknown>>('oauth-tokens', r);
    expect(item).not.toHaveProperty('refreshPartition');
    expect(item).not.toHaveProperty('refreshDueAt');
  });

  it('a lost race never puts an older refresh token back: the second writer on the same version is refused', async () => {
    const r = ref();
    await vault.create(r, document('rt-0'), lookup);
    const [a, b] = [await vault.read(r), await vault.read(r)];
    await vault.replace(r, document('rt-from-a'), lookup, a);
    await expect(vault.replace(r, document('rt-from-b'), lookup, b)).rejects.toBeInstanceOf(VersionConflict);
    const now = await vault.read(r);
    expect(now?.version).toBe(2);
    expect((await now?.openRefresh())?.refreshToken).toBe('rt-from-a');
  });

  it('20 concurrent version-checked replaces: exactly one wins, and its refresh token is the stored one', async () => {
    const r = ref();
    await vault.create(r, document('rt-0'), lookup);
    const basis = await vault.read(r);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => vault.replace(r, document(`rt-${i + 1}`), lookup, basis)),
    );
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i + 1] : []));
    expect(won).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(VersionConflict);
    expect((await (await vault.read(r))?.openRefresh())?.refreshToken).toBe(`rt-${won[0]}`);
  });

  it('a reconnect replaces whatever is stored; remove leaves nothing to read; a reconnect after it stores again', async () => {
    const r = ref();
    await vault.create(r, document(), lookup);
    await vault.replace(r, document('rt-reconnect'), lookup);
    expect((await (await vault.read(r))?.openRefresh())?.refreshToken).toBe('rt-reconnect');
    await vault.remove(r, 'recoverable');
    expect(await vault.read(r)).toBeUndefined();
    // The external-account lookup stays for later webhooks; the refresh lookup goes.
    expect(await getItem('oauth-tokens', r)).toMatchObject({ externalKey: lookup.externalKey });
    expect(await getItem('oauth-tokens', r)).not.toHaveProperty('refreshDueAt');
    await vault.replace(r, document('rt-back'), lookup);
    expect((await (await vault.read(r))?.openRefresh())?.refreshToken).toBe('rt-back');
    await vault.remove(r, 'now');
    expect(await vault.read(r)).toBeUndefined();
    expect(await getItem('oauth-tokens', r)).toBeUndefined();
    await vault.remove(ref(), 'now');
    await vault.remove(ref(), 'recoverable');
  });
});

describe('dynamodb-kms at rest', () => {
  const vault = () => tokenVault(settings('dynamodb-kms'));

  it('stores no token in clear: two sealed parts (access, refresh) of format 1 under the stage key', async () => {
    const r = ref();
    const doc = document();
    await vault().create(r, doc, lookup);
    const item = await getItem<Record<string, unknown>>('oauth-tokens', r);
    const raw = JSON.stringify(item);
    expect(raw).not.toContain(doc.accessToken);
    expect(raw).not.toContain(doc.refreshToken);
    for (const part of ['access', 'refresh']) {
      expect(item?.[part]).toMatchObject({
        v: 1,
        k: process.env.TOKEN_KEY_ID,
        d: expect.any(Uint8Array),
        i: expect.any(Uint8Array),
        c: expect.any(Uint8Array),
        t: expect.any(Uint8Array),
      });
    }
  });

  it('an item copied onto another source (or its parts swapped) does not open', async () => {
    const from = ref();
    const doc = document();
    await vault().create(from, doc, lookup);
    const item = (await getItem<Record<string, unknown>>('oauth-tokens', from)) as Record<string, unknown>;
    const to = { accountId: from.accountId, sourceId: `src_${randomUUID().slice(0, 12)}` };
    await putItem('oauth-tokens', { ...item, ...to });
    await expect((await vault().read(to))?.openAccess()).rejects.toThrow(/does not open/);
    const swapped = { accountId: from.accountId, sourceId: `src_${randomUUID().slice(0, 12)}` };
    await vault().create(swapped, document(), lookup);
    const own = (await getItem<Record<string, unknown>>('oauth-tokens', swapped)) as Record<string, unknown>;
    await putItem('oauth-tokens', { ...own, access: item.refresh });
    await expect((await vault().read(swapped))?.openAccess()).rejects.toThrow(/does not open/);
  });

  /** KMS operations the vault's client sends while `work` runs. */
  async function kmsCalls(work: () => Promise<void>): Promise<string[]> {
    const { kms } = await import('../../lambda/store/clients');
    const seen: string[] = [];
    const name = `kms-count-${randomUUID()}`;
    kms.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(String(context.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await work();
    } finally {
      kms.middlewareStack.remove(name);
    }
    return seen;
  }

  it('a refresh that keeps its refresh token keeps the sealed part: one Decrypt, one GenerateDataKey', async () => {
    const r = ref();
    const doc = document('rt-keep');
    await vault().create(r, doc, lookup);
    const before = (await getItem<{ refresh: { d: Uint8Array; c: Uint8Array } }>('oauth-tokens', r))?.refresh;
    const calls = await kmsCalls(async () => {
      const basis = await vault().read(r);
      await basis?.openRefresh();
      await vault().replace(r, { ...doc, accessToken: 'at-next' }, lookup, basis);
    });
    expect(calls).toEqual(['Decrypt', 'GenerateDataKey']);
    const kept = (await getItem<{ refresh: { d: Uint8Array; c: Uint8Array } }>('oauth-tokens', r))?.refresh;
    expect(Buffer.from(kept?.c as Uint8Array).equals(Buffer.from(before?.c as Uint8Array))).toBe(true);
  });

  it('a rotated refresh token is sealed under the data key its refresh opened (fresh IV, no second GenerateDataKey)', async () => {
    const r = ref();
    const doc = document('rt-old');
    await vault().create(r, doc, lookup);
    type Part = { d: Uint8Array; i: Uint8Array; c: Uint8Array };
    const before = (await getItem<{ refresh: Part }>('oauth-tokens', r))?.refresh as Part;
    const calls = await kmsCalls(async () => {
      const basis = await vault().read(r);
      await basis?.openRefresh();
      await vault().replace(r, { ...doc, accessToken: 'at-next', refreshToken: 'rt-rotated' }, lookup, basis);
    });
    expect(calls).toEqual(['Decrypt', 'GenerateDataKey']);
    const after = (await getItem<{ refresh: Part }>('oauth-tokens', r))?.refresh as Part;
    expect(Buffer.from(after.d).equals(Buffer.from(before.d))).toBe(true);
    expect(Buffer.from(after.i).equals(Buffer.from(before.i))).toBe(false);
    expect(Buffer.from(after.c).equals(Buffer.from(before.c))).toBe(false);
    const reread = await vault().read(r);
    expect((await reread?.openRefresh())?.refreshToken).toBe('rt-rotated');
    reread?.release();
  });

  it('without openRefresh on the basis (a reconnect, or a basis only read), a new refresh token gets a new data key', async () => {
    const r = ref();
    const doc = document('rt-a');
    await vault().create(r, doc, lookup);
    const before = (await getItem<{ refresh: { d: Uint8Array } }>('oauth-tokens', r))?.refresh
      .d as Uint8Array;
    const calls = await kmsCalls(async () => {
      await vault().replace(r, { ...doc, refreshToken: 'rt-b' }, lookup);
    });
    expect(calls).toEqual(['GenerateDataKey', 'GenerateDataKey']);
    const after = (await getItem<{ refresh: { d: Uint8Array } }>('oauth-tokens', r))?.refresh.d as Uint8Array;
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(false);
  });

  it('a released entry keeps no key: its replace seals the rotated token under a new data key', async () => {
    const r = ref();
    const doc = document('rt-a');
    await vault().create(r, doc, lookup);
    const basis = await vault().read(r);
    await basis?.openRefresh();
    basis?.release();
    const calls = await kmsCalls(() => vault().replace(r, { ...doc, refreshToken: 'rt-b' }, lookup, basis));
    expect(calls).toEqual(['GenerateDataKey', 'GenerateDataKey']);
    expect((await (await vault().read(r))?.openAll())?.refreshToken).toBe('rt-b');
  });

  it('logs no token, data key or ciphertext while sealing and opening', async () => {
    const capture = captureOutput();
    try {
      const r = ref();
      const doc = document();
      await vault().create(r, doc, lookup);
      await (await vault().read(r))?.openAll();
      const item = (await getItem<{ access: { c: Uint8Array; d: Uint8Array } }>('oauth-tokens', r))!;
      const text = capture.text();
      for (const value of [
        doc.accessToken,
        doc.refreshToken as string,
        Buffer.from(item.access.c).toString('base64'),
        Buffer.from(item.access.d).toString('base64'),
      ])
        expect(text).not.toContain(value);
    } finally {
      capture.restore();
    }
  });
});
