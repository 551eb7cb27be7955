// Token access for backup jobs: a valid access token for a source, refreshed first when it expires soon.
import type { ProviderId } from '../providers/types';
import { tokenConfig, type TokenConfig } from './config';
import { ensureFresh, type FreshTokens, type SourceRef } from './refresh';
import { singleFlight } from './single-flight';

/** What a job needs to call the provider's API for a source. */
export interface AccessToken {
  accessToken: string;
  /** ISO 8601; null when the provider's access tokens do not expire (Shopify offline, Stripe). */
  expiresAt: string | null;
  provider: ProviderId;
  tokenType: string;
  scopes: string[];
  /** Provider account identifiers (shop, realmId, stripeAccountId, hubId, ...). */
  externalAccount: Record<string, string>;
}

export interface TokenAccess {
  getAccessToken(ref: SourceRef): Promise<AccessToken>;
}

function accessTokenOf({ document }: FreshTokens): AccessToken {
  return {
    accessToken: document.accessToken,
    expiresAt: document.expiresAt,
    provider: document.provider,
    tokenType: document.tokenType,
    scopes: document.scopes,
    externalAccount: { ...document.externalAccount, ...(document.shop ? { shop: document.shop } : {}) },
  };
}

/**
 * Token access over a configuration. Concurrent callers in one container share one attempt
 * (`singleFlight`, on by default); across containers the DynamoDB lease lets one refresh at a time.
 * @example const access = createTokenAccess(tokenConfig()); await access.getAccessToken({ accountId, sourceId })
 */
export function createTokenAccess(
  config: TokenConfig,
  options: { singleFlight?: boolean } = {},
): TokenAccess {
  const flight = options.singleFlight === false ? undefined : singleFlight<FreshTokens>();
  return {
    async getAccessToken(ref) {
      const work = () => ensureFresh(config, ref, 'access');
      const fresh = flight ? await flight(`${ref.accountId}#${ref.sourceId}`, work) : await work();
      return accessTokenOf(fresh);
    },
  };
}

let shared: TokenAccess | undefined;

/**
 * A valid access token for a source, with the handler environment's configuration (read on first use).
 * @throws ServiceError source_not_found | disconnected | needs_reauth | retryable | credentials_not_configured | provider_rejected | invalid_token_response
 * @example const { accessToken, externalAccount } = await getAccessToken({ accountId: 'acc_1', sourceId: 'src_1' })
 */
export function getAccessToken(ref: SourceRef): Promise<AccessToken> {
  shared ??= createTokenAccess(tokenConfig());
  return shared.getAccessToken(ref);
}

export type { SourceRef };
