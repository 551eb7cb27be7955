// Envelope encryption against moto's KMS: round trip, tampering, foreign contexts, fresh IVs and data keys zeroed.
import { KMSClient } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import {
  ENVELOPE_FORMAT,
  EnvelopeError,
  open,
  openHolding,
  release,
  resealWith,
  seal,
  type EnvelopeContext,
} from '../../lambda/store/envelope';

const kms = new KMSClient({
  endpoint: process.env.TEST_KMS_ENDPOINT,
  region: 'us-west-2',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const keyId = process.env.TEST_TOKEN_KEY_ID as string;

const context: EnvelopeContext = {
  stage: 'test',
  accountId: 'acct_1',
  sourceId: 'src_1',
  provider: 'box',
  purpose: 'access',
};
const secret = Buffer.from('access-token-value-0123456789');

afterAll(() => kms.destroy());

describe('seal and open', () => {
  it('round-trips under the same context and stores format, key, wrapped key, IV, ciphertext, tag', async () => {
    const sealed = await seal(kms, keyId, context, secret);
    expect(sealed.v).toBe(ENVELOPE_FORMAT);
    expect(sealed.k).toBe(keyId);
    expect(sealed.i).toHaveLength(12);
    expect(sealed.t).toHaveLength(16);
    expect(sealed.c).toHaveLength(secret.length);
    expect(Buffer.from(sealed.c).includes(secret)).toBe(false);
    expect((await open(kms, sealed, context)).equals(secret)).toBe(true);
  });

  it.each(['c', 't', 'i', 'd'] as const)('refuses a flipped byte anywhere in part %s', async (part) => {
    const sealed = await seal(kms, keyId, context, secret);
    const length = sealed[part].length;
    // First, middle and last byte of the part.
    for (const at of [0, Math.floor(length / 2), length - 1]) {
      const bytes = Buffer.from(sealed[part]);
      bytes[at] ^= 0x01;
      const opening = open(kms, { ...sealed, [part]: bytes }, context);
      // A flipped byte in the wrapped key is refused by KMS itself: moto names a mangled key-id header with a
      // generic KMS error rather than InvalidCiphertextException. Either way nothing opens.
      if (part === 'd') await expect(opening).rejects.toThrow();
      else await expect(opening).rejects.toBeInstanceOf(EnvelopeError);
    }
  });

  it.each([
    ['another source', { sourceId: 'src_2' }],
    ['another account', { accountId: 'acct_2' }],
    ['another stage', { stage: 'prod' }],
    ['another provider', { provider: 'quickbooks' }],
    ['the other purpose', { purpose: 'refresh' as const }],
  ])('refuses to open under %s', async (_name, change) => {
    const sealed = await seal(kms, keyId, context, secret);
    await expect(open(kms, sealed, { ...context, ...change })).rejects.toBeInstanceOf(EnvelopeError);
  });

  it('refuses an unknown format version', async () => {
    const sealed = await seal(kms, keyId, context, secret);
    await expect(open(kms, { ...sealed, v: 2 }, context)).rejects.toThrow(/unknown envelope format/);
  });

  it('binds the context in the AAD too: a data key valid for the context does not open another ciphertext', async () => {
    const a = await seal(kms, keyId, context, secret);
    const b = await seal(kms, keyId, { ...context, sourceId: 'src_2' }, secret);
    // b's ciphertext under a's (valid) wrapped key: the data key differs, GCM refuses.
    await expect(open(kms, { ...a, c: b.c, t: b.t, i: b.i }, context)).rejects.toBeInstanceOf(EnvelopeError);
  });

  it('uses a fresh data key per seal (no key shared across sources or writes)', async () => {
    const seals = await Promise.all(Array.from({ length: 10 }, () => seal(kms, keyId, context, secret)));
    const wrapped = new Set(seals.map((s) => Buffer.from(s.d).toString('base64')));
    expect(wrapped.size).toBe(10);
  });

  it('zeroes the plaintext data key after use', async () => {
    const keys: Uint8Array[] = [];
    const spy = {
      send: async (command: unknown) => {
        const out = (await kms.send(command as never)) as { Plaintext?: Uint8Array };
        if (out.Plaintext) keys.push(out.Plaintext);
        return out;
      },
    } as unknown as KMSClient;
    const sealed = await seal(spy, keyId, context, secret);
    await open(spy, sealed, context);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.every((b) => b === 0)).toBe(true);
  });
});

describe('a held data key (a rotated refresh token sealed again without KMS)', () => {
  const refresh: EnvelopeContext = { ...context, purpose: 'refresh' };

  it('re-seals under the same wrapped key with a fresh IV; the result opens with one Decrypt', async () => {
    const sealed = await seal(kms, keyId, refresh, secret);
    const { plain, held } = await openHolding(kms, sealed, refresh);
    expect(plain.equals(secret)).toBe(true);
    const next = Buffer.from('rotated-refresh-token-0123456789');
    const again = resealWith(held, refresh, next);
    release(held);
    expect(Buffer.from(again.d).equals(Buffer.from(sealed.d))).toBe(true);
    expect(Buffer.from(again.i).equals(Buffer.from(sealed.i))).toBe(false);
    expect((await open(kms, again, refresh)).equals(next)).toBe(true);
  });

  it('serves its own context only: another source, stage, provider or purpose is refused', async () => {
    const { held } = await openHolding(kms, await seal(kms, keyId, refresh, secret), refresh);
    for (const other of [
      { ...refresh, sourceId: 'src_2' },
      { ...refresh, accountId: 'acct_2' },
      { ...refresh, stage: 'prod' },
      { ...refresh, provider: 'dropbox' },
      { ...refresh, purpose: 'access' as const },
    ])
      expect(() => resealWith(held, other, secret)).toThrow(EnvelopeError);
    release(held);
  });

  it('is zeroed by release and refuses to seal afterwards', async () => {
    const { held } = await openHolding(kms, await seal(kms, keyId, refresh, secret), refresh);
    expect(held.key.some((b) => b !== 0)).toBe(true);
    release(held);
    expect(held.key.every((b) => b === 0)).toBe(true);
    expect(() => resealWith(held, refresh, secret)).toThrow(/released/);
  });

  it('keeps nothing when the part does not open (tampered tag)', async () => {
    const sealed = await seal(kms, keyId, refresh, secret);
    const keys: Uint8Array[] = [];
    const spy = {
      send: async (command: unknown) => {
        const out = (await kms.send(command as never)) as { Plaintext?: Uint8Array };
        if (out.Plaintext) keys.push(out.Plaintext);
        return out;
      },
    } as unknown as KMSClient;
    const t = Buffer.from(sealed.t);
    t[0] ^= 1;
    await expect(openHolding(spy, { ...sealed, t }, refresh)).rejects.toThrow(EnvelopeError);
    expect(keys).toHaveLength(1);
    expect(keys[0].every((b) => b === 0)).toBe(true);
  });
});

describe('IVs', () => {
  it('never repeat across 100,000 seals (one data key call stubbed so the run measures the IVs, not KMS)', async () => {
    const stub = {
      send: async () => ({ Plaintext: randomBytes(32), CiphertextBlob: randomBytes(96), KeyId: keyId }),
    } as unknown as KMSClient;
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) {
      const sealed = await seal(stub, keyId, context, secret);
      seen.add(Buffer.from(sealed.i).toString('base64'));
    }
    expect(seen.size).toBe(100_000);
  });
});
