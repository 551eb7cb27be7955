// Revokes a grant at the provider unless the revocation would reach a connection it was not meant for.
import { countRevocationSkipped } from '../metrics/emit';
import { revokeGrant, type RevocationOutcome } from '../oauth/revoke';
import type { ClientCredentials } from '../oauth/http-request';
import { externalKey, type TokenDocument } from '../oauth/token-document';
import type { ProviderEntry } from '../providers/types';
import { logger } from '../shared/logger';
import { clientCredentials } from '../store/client-credentials';
import { connectionsByExternalKey, type LookupTables } from '../store/connection-lookup';
import type { Resources } from '../shared/resources';

export interface GuardedRevocation {
  provider: ProviderEntry;
  document: TokenDocument;
  credentials: ClientCredentials;
  /** oauth-tokens (index byExternalAccount) and platform-connections: who else shares the external account. */
  lookupTables: LookupTables;
  /** The connection being disconnected, which does not count as sharing its own grant. */
  except?: { accountId: string; sourceId: string };
  /** Ids for the log line. */
  ids: Record<string, unknown>;
}

/**
 * Revokes the grant of `document`. A revocation that reaches beyond this token (registry
 * `revocation.revokes`: the whole grant of a user and our client, or the whole external account) is
 * skipped while any connection that is not disconnected, in any ListBackup account, shares the external
 * account: Stripe's deauthorize or Google's revoke would otherwise end those connections too. The skip is
 * logged (`revocationSkipped`), counted (metric RevocationSkipped) and answered as `skipped`.
 * Never throws.
 */
export async function revokeUnlessShared(r: GuardedRevocation): Promise<RevocationOutcome> {
  const revocation = r.provider.revocation;
  if (!revocation) return 'not_supported';
  if (revocation.revokes !== 'token') {
    const key = externalKey(r.provider.id, r.document.externalAccount);
    let sharedBy: number | 'unknown' = 'unknown';
    try {
      if (key) {
        const others = (await connectionsByExternalKey(r.lookupTables, key)).filter(
          (c) =>
            c.status !== 'disconnected' &&
            !(r.except && c.accountId === r.except.accountId && c.sourceId === r.except.sourceId),
        );
        sharedBy = others.length;
      }
    } catch (error) {
      logger.error('connections of the external account not readable', {
        ...r.ids,
        cause: (error as Error)?.name,
      });
    }
    if (sharedBy !== 0) {
      logger.warn('revocation skipped: another connection shares the external account', {
        ...r.ids,
        revokes: revocation.revokes,
        sharedBy,
        revocationSkipped: 1,
      });
      countRevocationSkipped(r.provider.id);
      return 'skipped';
    }
  }
  return revokeGrant(r.provider, r.document, r.credentials);
}

/**
 * Reads the provider's client credentials (cached) and revokes as revokeUnlessShared does, looking up who
 * else shares the external account in the stage's tables.
 * @throws when the client credentials cannot be read (the revocation was not attempted)
 * @example await revokeOnStage(config, { provider, document, ids: { provider: provider.id } })
 */
export async function revokeOnStage(
  stage: Pick<Resources, 'secretPrefix' | 'credentialsMaxAgeSeconds' | 'tables'>,
  r: Omit<GuardedRevocation, 'credentials' | 'lookupTables'>,
): Promise<RevocationOutcome> {
  const credentials = await clientCredentials(
    stage.secretPrefix,
    r.provider.id,
    stage.credentialsMaxAgeSeconds,
  );
  return revokeUnlessShared({ ...r, credentials, lookupTables: stage.tables });
}
