// The secrets a webhook scheme reads under the secret prefix, derived from how it verifies: the stack creates and grants these.
import type { ProviderId } from '../providers/types';
import type { WebhookScheme } from './types';

/** A provider's client id or client secret under the prefix (`clientCredentials()` reads the pair). */
export type CredentialKey = `${ProviderId}/${'client_id' | 'client_secret'}`;

/** An endpoint signing secret under the prefix (`key: { source: 'signing-secret' }`). */
export type SigningSecretKey = `${ProviderId}/webhook_secret`;

/** Where a provider's client id and client secret live under the prefix. */
export function credentialKeys(provider: ProviderId): {
  clientId: CredentialKey;
  clientSecret: CredentialKey;
} {
  return { clientId: `${provider}/client_id`, clientSecret: `${provider}/client_secret` };
}

/** Where a provider's endpoint signing secret lives under the prefix. */
export function signingSecretKey(provider: ProviderId): SigningSecretKey {
  return `${provider}/webhook_secret`;
}

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

/** The signing secrets of `schemes`: secrets beyond the client pairs that the stack must create. */
export function signingSecretKeys(schemes: readonly WebhookScheme[]): SigningSecretKey[] {
  return schemes.filter((s) => s.key.source === 'signing-secret').map((s) => signingSecretKey(s.provider));
}
