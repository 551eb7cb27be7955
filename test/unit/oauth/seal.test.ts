// Sealed completions: AES-256-GCM round trip, binding to id and associated data, and a key that hides the id.
import { createHash } from 'node:crypto';
import { completionBinding } from '../../../lambda/oauth/binding';
import { randomToken } from '../../../lambda/oauth/random';
import { completionKey, seal, unseal } from '../../../lambda/oauth/seal';

const DOCUMENT = JSON.stringify({
  accessToken: 'access-token-fixture',
  refreshToken: 'refresh-token-fixture',
});
const BINDING = completionBinding({ provider: 'google', userId: 'usr_1', accountId: 'acc_1' });

describe('seal', () => {
  const id = randomToken(32);

  it('round-trips the plaintext', () => {
    expect(unseal(seal(DOCUMENT, id, BINDING), id, BINDING)).toBe(DOCUMENT);
  });

  it('does not contain the plaintext and differs on every seal (fresh IV)', () => {
    const one = seal(DOCUMENT, id, BINDING);
    const two = seal(DOCUMENT, id, BINDING);
    expect(one).not.toBe(two);
    expect(Buffer.from(one, 'base64url').toString('latin1')).not.toContain('access-token-fixture');
    expect(one).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('throws for another completion id', () => {
    expect(() => unseal(seal(DOCUMENT, id, BINDING), randomToken(32), BINDING)).toThrow();
  });

  it('throws for other associated data (another user, account, provider or source)', () => {
    const sealed = seal(DOCUMENT, id, BINDING);
    for (const other of [
      { provider: 'google', userId: 'usr_2', accountId: 'acc_1' },
      { provider: 'google', userId: 'usr_1', accountId: 'acc_2' },
      { provider: 'box', userId: 'usr_1', accountId: 'acc_1' },
      { provider: 'google', userId: 'usr_1', accountId: 'acc_1', sourceId: 'src_1' },
    ]) {
      expect(() => unseal(sealed, id, completionBinding(other))).toThrow();
    }
  });

  it('throws for a tampered ciphertext, tag or IV', () => {
    const raw = Buffer.from(seal(DOCUMENT, id, BINDING), 'base64url');
    for (const index of [0, 11, 12, 27, 28, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[index] ^= 0x01;
      expect(() => unseal(tampered.toString('base64url'), id, BINDING)).toThrow();
    }
  });

  it('throws for a truncated seal', () => {
    const sealed = seal(DOCUMENT, id, BINDING);
    expect(() => unseal(sealed.slice(0, 30), id, BINDING)).toThrow();
  });
});

describe('completionKey', () => {
  it('is the prefixed SHA-256 of the id and does not reveal the id', () => {
    const id = randomToken(32);
    const key = completionKey(id);
    expect(key).toBe(`completion#${createHash('sha256').update(id).digest('base64url')}`);
    expect(key).not.toContain(id);
    expect(completionKey(id)).toBe(key);
    expect(completionKey(randomToken(32))).not.toBe(key);
  });
});

describe('completionBinding', () => {
  it('joins provider, user, account and source', () => {
    expect(completionBinding({ provider: 'box', userId: 'u', accountId: 'a', sourceId: 's' })).toBe(
      'box|u|a|s',
    );
    expect(completionBinding({ provider: 'box', userId: 'u', accountId: 'a' })).toBe('box|u|a|');
  });
});
