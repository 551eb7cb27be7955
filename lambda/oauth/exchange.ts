// One token-endpoint round trip: build the request, send it, check the answer.
import type { ProviderEntry } from '../providers/types';
import { ServiceError } from '../shared/errors';
import type { ClientCredentials } from './http-request';
import { buildTokenRequest, type TokenGrant } from './token-request';
import { processTokenResponse, type TokenSet } from './token-response';
import { TransportError, send } from './transport';
import { timeTokenCall } from '../metrics/emit';

/**
 * Token endpoint timeout: authorization codes expire fast (Box: 30 s), so fail early and clearly.
 * PROVIDER_TIMEOUT_MS lowers it where a test must see a timeout quickly.
 */
export const TOKEN_TIMEOUT_MS = Number(process.env.PROVIDER_TIMEOUT_MS) || 8000;

/**
 * Runs a grant at the provider's token endpoint.
 * @throws ServiceError invalid_grant | provider_rejected | provider_unavailable | invalid_token_response
 */
export async function requestTokens(
  provider: ProviderEntry,
  grant: TokenGrant,
  credentials: ClientCredentials,
  shop?: string,
): Promise<TokenSet> {
  const request = buildTokenRequest(provider, grant, credentials, shop);
  try {
    return await timeTokenCall('exchange', provider.id, async () =>
      processTokenResponse(provider, await send(request, TOKEN_TIMEOUT_MS), Date.now()),
    );
  } catch (error) {
    if (error instanceof TransportError) {
      throw new ServiceError('provider_unavailable', 'the provider did not answer; try again', {
        cause: error,
      });
    }
    throw error;
  }
}
