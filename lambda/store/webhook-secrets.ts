// Secrets the webhooks function reads (Stripe's signing secret, HighLevel's client id).
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ServiceError } from '../shared/errors';
import { PLACEHOLDER_PREFIX } from './client-credentials';
import { secrets } from './clients';

// Here, not in client-credentials.ts: only the webhooks function reads single secrets, so the other handlers'
// bundles carry no Powertools Parameters.
const provider = new SecretsProvider({ awsSdkV3Client: secrets });

/**
 * A secret's string value through the container's one Powertools cache, or undefined when it does not exist.
 * @example await readCachedSecret('app/oauth/stripe/webhook_secret', 300)
 */
async function readCachedSecret(name: string, maxAge: number): Promise<string | undefined> {
  try {
    const value = await provider.get(name, { maxAge });
    return typeof value === 'string' ? value : undefined;
  } catch (error) {
    const cause = (error as { cause?: { name?: string } }).cause;
    if (
      (error as { name?: string }).name === 'ResourceNotFoundException' ||
      cause?.name === 'ResourceNotFoundException'
    ) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The value of `<prefix>/<key>`, read at most once per `maxAgeSeconds` per container.
 * @throws ServiceError credentials_not_configured when it is missing or still the placeholder.
 * @example await secretUnderPrefix('app/oauth', 'stripe/webhook_secret', 300)
 */
export async function secretUnderPrefix(prefix: string, key: string, maxAgeSeconds: number): Promise<string> {
  const name = `${prefix}/${key}`;
  const value = await readCachedSecret(name, maxAgeSeconds);
  if (!value || value.startsWith(PLACEHOLDER_PREFIX)) {
    const id = key.split('/')[0];
    throw new ServiceError(
      'credentials_not_configured',
      `${id} webhooks are not configured yet: upload secret ${name} (npm run credentials -- set ${id})`,
    );
  }
  return value;
}
