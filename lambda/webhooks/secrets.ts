// The secrets a webhook scheme reads under the secret prefix, derived from how it verifies: the stack creates and grants these.
import {
  credentialKeys,
  signingSecretKey,
  type CredentialKey,
  type SigningSecretKey,
} from '../providers/secret-keys';
import type { ProviderId } from '../providers/types';
import type { SigningSecret, WebhookScheme } from './types';

/**
 * Every secret the webhooks function reads for `scheme`: the client pair for a client-secret key, the signing
 * secret, and the client id an app id is derived from.
 * @example webhookSecretKeys(stripeWebhooks) // ['stripe/webhook_secret']
 */
export function webhookSecretKeys(scheme: WebhookScheme): (CredentialKey | SigningSecretKey)[] {
  const credentials = credentialKeys(scheme.provider);
  const keys: (CredentialKey | SigningSecretKey)[] = [];
  if (scheme.key.source === 'client-secret') keys.push(credentials.clientId, credentials.clientSecret);
  if (scheme.key.source === 'signing-secret') keys.push(signingSecretKey(scheme.provider));
  if (scheme.appIdFromClientId) keys.push(credentials.clientId);
  return [...new Set(keys)];
}

/** The schemes of `schemes` that verify with an endpoint signing secret, with that secret's facts. */
export function signingSecrets(
  schemes: readonly WebhookScheme[],
): { provider: ProviderId; key: SigningSecretKey; secret: SigningSecret }[] {
  return schemes.flatMap((s) =>
    s.key.source === 'signing-secret'
      ? [{ provider: s.provider, key: signingSecretKey(s.provider), secret: s.key }]
      : [],
  );
}

/** The signing secrets of `schemes`: secrets beyond the client pairs that the stack must create. */
export function signingSecretKeys(schemes: readonly WebhookScheme[]): SigningSecretKey[] {
  return signingSecrets(schemes).map((s) => s.key);
}
