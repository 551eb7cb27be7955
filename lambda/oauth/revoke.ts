// Revokes a grant at the provider; a failure is reported, never thrown (local cleanup goes on regardless).
import type { ProviderEntry } from '../providers/types';
import type { ClientCredentials } from './http-request';
import { buildRevocationRequest } from './revocation-request';
import type { TokenDocument } from './token-document';
import { send } from './transport';

/** `skipped`: not asked, because the revocation would also end another connection of the external account. */
export type RevocationOutcome = 'revoked' | 'not_supported' | 'failed' | 'skipped';

export async function revokeGrant(
  provider: ProviderEntry,
  document: TokenDocument,
  credentials: ClientCredentials,
): Promise<RevocationOutcome> {
  const request = buildRevocationRequest(provider, document, credentials);
  if (!request) return 'not_supported';
  try {
    const response = await send(request, 5000);
    // RFC 7009 §2.2: 200 also for tokens already invalid; 400 invalid_token means the same.
    return response.status >= 200 && response.status < 300 ? 'revoked' : 'failed';
  } catch {
    return 'failed';
  }
}
