// OAuth client credentials from Secrets Manager at <prefix>/<provider>/client_id|client_secret, cached per container.
import { BatchGetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { ClientCredentials } from '../oauth/http-request';
import { credentialKeys } from '../providers/secret-keys';
import type { ProviderId } from '../providers/types';
import { ServiceError } from '../shared/errors';
import { secrets } from './clients';

/** Value the stack writes into a client secret before an operator uploads the real one. */
export const PLACEHOLDER_PREFIX = 'PLACEHOLDER';

/** Secret names of a provider's client credentials (the audit's paths). */
export function clientSecretNames(
  prefix: string,
  id: ProviderId,
): { clientId: string; clientSecret: string } {
  const keys = credentialKeys(id);
  return { clientId: `${prefix}/${keys.clientId}`, clientSecret: `${prefix}/${keys.clientSecret}` };
}

/** The pair as read, or undefined for a secret that does not exist. */
type Pair = { clientId?: string; clientSecret?: string };

/** Per provider: when its pair was read and the read (shared by concurrent first calls). */
const pairs = new Map<string, { at: number; read: Promise<Pair> }>();

/**
 * Both secrets of a provider in one BatchGetSecretValue (one round trip and one TLS handshake on a cold container,
 * where two GetSecretValue calls in parallel open two connections). A secret the batch reports missing is
 * undefined; any other per-secret error (AccessDenied, DecryptionFailure) fails the read.
 */
async function readPair(names: { clientId: string; clientSecret: string }): Promise<Pair> {
  const out = await secrets.send(
    new BatchGetSecretValueCommand({ SecretIdList: [names.clientId, names.clientSecret] }),
  );
  const failed = (out.Errors ?? []).find((e) => e.ErrorCode !== 'ResourceNotFoundException');
  if (failed) throw new Error(`reading ${failed.SecretId} failed: ${failed.ErrorCode}`);
  const value = (name: string) => out.SecretValues?.find((v) => v.Name === name)?.SecretString;
  return { clientId: value(names.clientId), clientSecret: value(names.clientSecret) };
}

/** The pair through the container's cache: read again after `maxAgeSeconds`, or at once after a failed read. */
function cachedPair(names: { clientId: string; clientSecret: string }, maxAgeSeconds: number) {
  const now = Date.now();
  const hit = pairs.get(names.clientId);
  // A read younger than a second counts as fresh: concurrent first calls do not read again.
  if (hit && now - hit.at < maxAgeSeconds * 1000) return { read: hit.read, fresh: now - hit.at < 1000 };
  const read = readPair(names);
  pairs.set(names.clientId, { at: now, read });
  read.catch(() => {
    if (pairs.get(names.clientId)?.read === read) pairs.delete(names.clientId);
  });
  return { read, fresh: true };
}

const configured = (value: string | undefined): value is string =>
  value !== undefined && value !== '' && !value.startsWith(PLACEHOLDER_PREFIX);

/**
 * The client id and secret of a provider, read at most once per `maxAgeSeconds` per container (one
 * BatchGetSecretValue). A cached answer that lacks a value is read again once, so an operator's upload is seen
 * at the next click rather than after the cache age.
 * @throws ServiceError credentials_not_configured when a secret is missing or still the placeholder.
 * @example const { clientId, clientSecret } = await clientCredentials('app/oauth', 'google', 300)
 */
export async function clientCredentials(
  prefix: string,
  id: ProviderId,
  maxAgeSeconds: number,
): Promise<ClientCredentials> {
  const names = clientSecretNames(prefix, id);
  const first = cachedPair(names, maxAgeSeconds);
  let pair = await first.read;
  if (!first.fresh && !(configured(pair.clientId) && configured(pair.clientSecret))) {
    pairs.delete(names.clientId);
    pair = await cachedPair(names, maxAgeSeconds).read;
  }
  for (const [name, value] of [
    [names.clientId, pair.clientId],
    [names.clientSecret, pair.clientSecret],
  ] as const) {
    if (!configured(value)) {
      throw new ServiceError(
        'credentials_not_configured',
        `${id} is not configured yet: upload secret ${name} (npm run credentials -- set ${id})`,
      );
    }
  }
  return { clientId: pair.clientId as string, clientSecret: pair.clientSecret as string };
}
