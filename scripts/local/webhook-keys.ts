// Local signing material for provider webhooks: HighLevel's Ed25519 key pair and a Stripe endpoint secret.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The local stand-in for HighLevel's signing key, kept under `<dataDir>/webhooks` and created on first use.
 * The local run trusts its public key (WEBHOOK_PUBLIC_KEYS); scripts/sign-webhook.ts signs with the private one.
 */
export function localHighLevelKey(dataDir: string): { privateKey: KeyObject; publicKeyPem: string } {
  const file = join(dataDir, 'webhooks', 'gohighlevel-ed25519.pem');
  if (!existsSync(file)) {
    const pair = generateKeyPairSync('ed25519');
    mkdirSync(join(dataDir, 'webhooks'), { recursive: true });
    writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const privateKey = createPrivateKey(readFileSync(file));
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}

/** A fresh endpoint signing secret for the local run, in Stripe's shape (`whsec_…`). */
export function localSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
