// OAuth client credentials from Secrets Manager at <prefix>/<provider>/client_id|client_secret, cached per container.
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { ClientCredentials } from '../oauth/http-request';
import type { ProviderId } from '../providers/types';
import { ServiceError } from '../shared/errors';
import { secrets } from './clients';

/** Value the stack writes into a client secret before an operator uploads the real one. */
export const PLACEHOLDER_PREFIX = 'PLACEHOLDER';

const provider = new SecretsProvider({ awsSdkV3Client: secrets });

/** Secret names of a provider's client credentials (the audit's paths). */
export function clientSecretNames(
  prefix: string,
  id: ProviderId,
): { clientId: string; clientSecret: string } {
  return { clientId: `${prefix}/${id}/client_id`, clientSecret: `${prefix}/${id}/client_secret` };
}

/**
 * A secret's string value through the container's one Powertools cache, or undefined when it does not exist.
 * @example await readCachedSecret('app/oauth/stripe/webhook_secret', 300)
 */
export async function readCachedSecret(name: string, maxAge: number): Promise<string | undefined> {
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
 * The client id and secret of a provider, read at most once per `maxAgeSeconds` per container.
 * @throws ServiceError credentials_not_configured when a secret is missing or still the placeholder.
 * @example const { clientId, clientSecret } = await clientCredentials('app/oauth', 'google', 300)
 */
export async function clientCredentials(
  prefix: string,
  id: ProviderId,
  maxAgeSeconds: number,
): Promise<ClientCredentials> {
  const names = clientSecretNames(prefix, id);
  const [clientId, clientSecret] = await Promise.all([
    readCachedSecret(names.clientId, maxAgeSeconds),
    readCachedSecret(names.clientSecret, maxAgeSeconds),
  ]);
  for (const [name, value] of [
    [names.clientId, clientId],
    [names.clientSecret, clientSecret],
  ] as const) {
    if (!value || value.startsWith(PLACEHOLDER_PREFIX)) {
      throw new ServiceError(
        'credentials_not_configured',
        `${id} is not configured yet: upload secret ${name} (npm run credentials -- set ${id})`,
      );
    }
  }
  return { clientId: clientId as string, clientSecret: clientSecret as string };
}
