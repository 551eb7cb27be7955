// Envelope encryption of one token part: a fresh KMS data key per seal, AES-256-GCM, the context bound in KMS and AAD.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** Format of a sealed part; a reader refuses any other. */
export const ENVELOPE_FORMAT = 1;

/** Which token a part holds: a key policy can allow `access` alone (a reader that must never refresh). */
export type Purpose = 'access' | 'refresh';

/**
 * The encryption context of a part. KMS binds the data key to it (and logs it in clear in CloudTrail, so
 * each Decrypt names the source); the same values are the AES-GCM associated data, so a part copied onto
 * another source, stage, provider or purpose fails to open even with a valid data key.
 */
export interface EnvelopeContext {
  stage: string;
  accountId: string;
  sourceId: string;
  provider: string;
  purpose: Purpose;
}

/** What is stored for a part: format, key, encrypted data key, IV, ciphertext, tag. */
export interface Sealed {
  v: number;
  /** Key ARN KMS answered with (the key that encrypted the data key). */
  k: string;
  /** Encrypted data key (KMS CiphertextBlob). */
  d: Uint8Array;
  /** 96-bit IV, random per seal. */
  i: Uint8Array;
  c: Uint8Array;
  /** 128-bit GCM tag. */
  t: Uint8Array;
}

const CONTEXT_KEYS = ['stage', 'accountId', 'sourceId', 'provider', 'purpose'] as const;

/** The context as KMS takes it (string map) and as AAD (the same pairs in a fixed order, with the format). */
function kmsContext(context: EnvelopeContext): Record<string, string> {
  return Object.fromEntries(CONTEXT_KEYS.map((k) => [k, context[k]]));
}

function aad(context: EnvelopeContext): Buffer {
  return Buffer.from(JSON.stringify([ENVELOPE_FORMAT, ...CONTEXT_KEYS.map((k) => [k, context[k]])]));
}

/** Raised when a part does not open: tampered, copied to another context, or of an unknown format. */
export class EnvelopeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvelopeError';
  }
}

/**
 * Seals `plaintext` under a fresh data key (one GenerateDataKey, AES_256). The plaintext data key is zeroed
 * as soon as the cipher holds it; it never leaves this function.
 */
export async function seal(
  kms: KMSClient,
  keyId: string,
  context: EnvelopeContext,
  plaintext: Uint8Array,
): Promise<Sealed> {
  const out = await kms.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: kmsContext(context) }),
  );
  const dataKey = out.Plaintext;
  if (!dataKey || dataKey.length !== 32 || !out.CiphertextBlob || !out.KeyId)
    throw new EnvelopeError('KMS answered GenerateDataKey without a 256-bit data key');
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(aad(context));
    const c = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { v: ENVELOPE_FORMAT, k: out.KeyId, d: out.CiphertextBlob, i: iv, c, t: cipher.getAuthTag() };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * A part's data key kept after opening it, so that the same part of the same source (same context) can be sealed
 * again without another KMS request: a refresh that rotates the refresh token re-seals it under the key it just
 * decrypted, with a fresh IV. Never shared across sources or purposes; zeroed by release().
 */
export interface HeldKey {
  readonly context: EnvelopeContext;
  /** Key ARN and encrypted data key, stored again with each part sealed under the held key. */
  readonly k: string;
  readonly d: Uint8Array;
  readonly key: Uint8Array;
  released: boolean;
}

function sameContext(a: EnvelopeContext, b: EnvelopeContext): boolean {
  return CONTEXT_KEYS.every((k) => a[k] === b[k]);
}

/** Zeroes a held data key; idempotent. */
export function release(held: HeldKey | undefined): void {
  if (!held) return;
  held.key.fill(0);
  held.released = true;
}

/**
 * Seals `plaintext` again under a held data key (no KMS request), with a fresh random IV.
 * @throws EnvelopeError when the context is not the held key's (a key never crosses sources or purposes)
 */
export function resealWith(held: HeldKey, context: EnvelopeContext, plaintext: Uint8Array): Sealed {
  if (!sameContext(held.context, context))
    throw new EnvelopeError('a held data key serves its own context only');
  if (held.released) throw new EnvelopeError('the held data key was released');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', held.key, iv);
  cipher.setAAD(aad(context));
  const c = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { v: ENVELOPE_FORMAT, k: held.k, d: held.d, i: iv, c, t: cipher.getAuthTag() };
}

/** One KMS Decrypt of a part's data key under its context. */
async function decryptDataKey(kms: KMSClient, sealed: Sealed, context: EnvelopeContext): Promise<Uint8Array> {
  if (sealed.v !== ENVELOPE_FORMAT) throw new EnvelopeError(`unknown envelope format ${String(sealed.v)}`);
  if (sealed.i?.length !== 12 || sealed.t?.length !== 16) throw new EnvelopeError('malformed envelope');
  let dataKey: Uint8Array | undefined;
  try {
    const out = await kms.send(
      new DecryptCommand({
        CiphertextBlob: sealed.d,
        KeyId: sealed.k,
        EncryptionContext: kmsContext(context),
      }),
    );
    dataKey = out.Plaintext;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'InvalidCiphertextException' || name === 'IncorrectKeyException')
      throw new EnvelopeError('the data key does not open under this context', { cause: error });
    throw error;
  }
  if (!dataKey || dataKey.length !== 32) throw new EnvelopeError('KMS answered Decrypt without a data key');
  return dataKey;
}

function decipherWith(dataKey: Uint8Array, sealed: Sealed, context: EnvelopeContext): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.i);
    decipher.setAAD(aad(context));
    decipher.setAuthTag(sealed.t);
    return Buffer.concat([decipher.update(sealed.c), decipher.final()]);
  } catch (error) {
    throw new EnvelopeError('the ciphertext does not open under this context', { cause: error });
  }
}

/**
 * Opens a sealed part: one KMS Decrypt with the context (and the key id stored with it), then AES-GCM with
 * the same context as AAD. The data key is zeroed after use.
 * @throws EnvelopeError when the part does not open under this context
 */
export async function open(kms: KMSClient, sealed: Sealed, context: EnvelopeContext): Promise<Buffer> {
  const dataKey = await decryptDataKey(kms, sealed, context);
  try {
    return decipherWith(dataKey, sealed, context);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Opens a sealed part like open() and keeps its data key for resealWith(); the caller must release() it.
 * A part that does not open keeps nothing.
 * @throws EnvelopeError when the part does not open under this context
 */
export async function openHolding(
  kms: KMSClient,
  sealed: Sealed,
  context: EnvelopeContext,
): Promise<{ plain: Buffer; held: HeldKey }> {
  const dataKey = await decryptDataKey(kms, sealed, context);
  try {
    const plain = decipherWith(dataKey, sealed, context);
    return {
      plain,
      held: { context: { ...context }, k: sealed.k, d: sealed.d, key: dataKey, released: false },
    };
  } catch (error) {
    dataKey.fill(0);
    throw error;
  }
}
