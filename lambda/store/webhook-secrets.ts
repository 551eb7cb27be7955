// Secrets the webhooks function reads (Stripe's signing secret, HighLevel's client id) and the immediate token deletion of shop/redact.
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ServiceError } from '../shared/errors';
import { PLACEHOLDER_PREFIX } from './client-credentials';
import { secrets } from './clients';

const provider = new SecretsProvider({ awsSdkV3Client: secrets });

const notFound = (error: unknown): boolean => {
  const e = error as { name?: string; cause?: { name?: string } };
  return e?.name === 'ResourceNotFoundException' || e?.cause?.name === 'ResourceNotFoundException';
};

/**
 * The value of `<prefix>/<key>`, read at most once per `maxAgeSeconds` per container.
 * @throws ServiceError credentials_not_configured when it is missing or still the placeholder.
 * @example await secretUnderPrefix('app/oauth', 'stripe/webhook_secret', 300)
 */
export async function secretUnderPrefix(prefix: string, key: string, maxAgeSeconds: number): Promise<string> {
  const name = `${prefix}/${key}`;
  let value: unknown;
  try {
    value = await provider.get(name, { maxAge: maxAgeSeconds });
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  if (typeof value !== 'string' || !value || value.startsWith(PLACEHOLDER_PREFIX)) {
    const id = key.split('/')[0];
    throw new ServiceError(
      'credentials_not_configured',
      `${id} webhooks are not configured yet: upload secret ${name} (npm run credentials -- set ${id})`,
    );
  }
  return value;
}

/**
 * Deletes a token secret without a recovery window (shop/redact: nothing recoverable stays). A secret that
 * is gone, or already scheduled for deletion by the uninstall, is fine: its value is unreadable either way.
 */
export async function deleteTokensNow(name: string): Promise<void> {
  try {
    await secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  } catch (error) {
    const n = (error as { name?: string }).name;
    if (n === 'ResourceNotFoundException' || n === 'InvalidRequestException') return;
    throw error;
  }
}
