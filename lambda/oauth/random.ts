// Unguessable tokens from the CSPRNG (states, completion ids, PKCE verifiers, lease owners).
import { randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits) as base64url: 43 characters, no padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Well-formed token as produced by randomToken(32): guards lookups against junk input. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
