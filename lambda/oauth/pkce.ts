// PKCE (RFC 7636) with the S256 method only: the verifier stays on the server, the challenge travels.
import { createHash } from 'node:crypto';
import { randomToken } from './random';

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** S256 challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). */
export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh verifier (43 characters of 256-bit entropy, RFC 7636 §4.1) and its S256 challenge. */
export function createPkce(): Pkce {
  const verifier = randomToken(32);
  return { verifier, challenge: challengeOf(verifier), method: 'S256' };
}
