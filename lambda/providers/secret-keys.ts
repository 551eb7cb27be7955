// Names of a provider's secrets under the stage's secret prefix: its client pair and, for webhooks, its signing secret.
import type { ProviderId } from './types';

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
