// PKCE S256 (RFC 7636): the Appendix B vector and fresh verifiers.
import { createHash } from 'node:crypto';
import { challengeOf, createPkce } from '../../../lambda/oauth/pkce';

describe('pkce', () => {
  it('computes the RFC 7636 Appendix B challenge', () => {
    expect(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('creates a 43-character unreserved verifier with its S256 challenge', () => {
    const pkce = createPkce();
    expect(pkce.method).toBe('S256');
    expect(pkce.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(pkce.verifier).toHaveLength(43);
    expect(Buffer.from(pkce.verifier, 'base64url')).toHaveLength(32);
    expect(pkce.challenge).toBe(createHash('sha256').update(pkce.verifier).digest('base64url'));
    expect(pkce.challenge).not.toMatch(/[=+/]/);
  });

  it('never repeats a verifier', () => {
    const verifiers = new Set(Array.from({ length: 200 }, () => createPkce().verifier));
    expect(verifiers.size).toBe(200);
  });
});
