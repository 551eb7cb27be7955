// Sealing a pending completion: AES-256-GCM under a key derived from the completion id, which only the browser holds.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const INFO = Buffer.from('listbackup-integrations completion v1');

function keyOf(completionId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(completionId, 'utf8'), Buffer.alloc(0), INFO, 32));
}

/**
 * Table key of a completion: SHA-256 of its id, so the stored item does not reveal the decryption key.
 */
export function completionKey(completionId: string): string {
  return `completion#${createHash('sha256').update(completionId).digest('base64url')}`;
}

/** Encrypts `plaintext` for `completionId`; output is base64url(iv | tag | ciphertext). */
export function seal(plaintext: string, completionId: string, associated: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(completionId), iv);
  cipher.setAAD(Buffer.from(associated));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Decrypts what seal produced; throws if the id, the associated data or the ciphertext differ. */
export function unseal(sealed: string, completionId: string, associated: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(completionId), raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(associated));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
