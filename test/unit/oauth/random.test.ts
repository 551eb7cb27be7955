// CSPRNG tokens: size, alphabet, uniqueness, and the lookup guard pattern.
import { TOKEN_PATTERN, randomToken } from '../../../lambda/oauth/random';

describe('randomToken', () => {
  it('gives 256 bits as 43 base64url characters by default', () => {
    const token = randomToken();
    expect(token).toHaveLength(43);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(TOKEN_PATTERN.test(token)).toBe(true);
  });

  it('sizes shorter tokens by bytes', () => {
    expect(randomToken(16)).toHaveLength(22);
    expect(randomToken(6)).toHaveLength(8);
  });

  it('gives 1000 distinct values drawn from the base64url alphabet only', () => {
    const tokens = Array.from({ length: 1000 }, () => randomToken());
    expect(new Set(tokens).size).toBe(1000);
    const alphabet = new Set(tokens.join(''));
    for (const char of alphabet)
      expect('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_').toContain(char);
    // 43 000 characters over 64 symbols: every symbol shows up unless the generator is biased.
    expect(alphabet.size).toBe(64);
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['44 characters', 'a'.repeat(44)],
    ['standard base64 +', `${'a'.repeat(42)}+`],
    ['standard base64 /', `${'a'.repeat(42)}/`],
    ['padding', `${'a'.repeat(42)}=`],
    ['a trailing newline', `${'a'.repeat(43)}\n`],
  ])('TOKEN_PATTERN rejects %s', (_label, value) => {
    expect(TOKEN_PATTERN.test(value)).toBe(false);
  });
});
