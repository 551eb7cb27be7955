// The callback's rules as pure functions: each names the rule it enforces and throws a ServiceError with its code.
import type { CallbackCheck, ProviderEntry, ProviderId } from '../providers/types';
import { ServiceError } from '../shared/errors';
import { TOKEN_PATTERN } from './random';
import { verifyShopifyCallback } from './shopify-hmac';

/** What the start handler stored for this state that the callback's rules compare against. */
export interface ExpectedState {
  provider: ProviderId;
  /** Epoch ms. */
  expiresAt: number;
  shop?: string;
}

const CODE_MAX_LENGTH = 2048;
const CALLBACK_VALUE = /^[A-Za-z0-9._~+/=:-]{1,256}$/;

/**
 * The state parameter of a callback query, before anything is read: one value per parameter, a state
 * present and shaped like ours.
 * @throws ServiceError invalid_callback (a repeated parameter), missing_state, invalid_state
 */
export function callbackState(params: Record<string, string>, repeated: boolean): string {
  if (repeated) throw new ServiceError('invalid_callback', 'the callback repeats a parameter');
  if (!params.state) throw new ServiceError('missing_state', 'the callback carries no state');
  if (!TOKEN_PATTERN.test(params.state)) throw new ServiceError('invalid_state', 'unknown or used state');
  return params.state;
}

/**
 * The authorization code of a callback whose state was found, after the rules that need no secret: the state
 * is still valid and was started for this provider, the provider granted access (no `error`), the response
 * comes from the expected authorization server (`iss`, RFC 9207 / RFC 9700 §4.4.2) and carries a code.
 * @throws ServiceError expired_state, provider_mismatch, access_denied, provider_error, issuer_mismatch, invalid_callback
 * @example const code = validateCallback(provider, state, params, Date.now());
 */
export function validateCallback(
  provider: ProviderEntry,
  state: ExpectedState,
  params: Record<string, string>,
  now: number,
): string {
  if (state.expiresAt < now)
    throw new ServiceError('expired_state', 'the sign-in took too long; start again');
  if (state.provider !== provider.id)
    throw new ServiceError('provider_mismatch', 'this sign-in was started for another provider');
  if (params.error !== undefined) {
    throw new ServiceError(
      params.error === 'access_denied' ? 'access_denied' : 'provider_error',
      'the provider did not grant access',
    );
  }
  if (provider.issuer !== undefined && params.iss !== provider.issuer) {
    throw new ServiceError(
      'issuer_mismatch',
      'the response does not come from the expected authorization server',
    );
  }
  const code = params.code;
  if (!code || code.length > CODE_MAX_LENGTH)
    throw new ServiceError('invalid_callback', 'the callback carries no authorization code');
  return code;
}

/** Checks a provider requires on its callback, by name (registry `callbackChecks`). */
const CALLBACK_CHECKS: Record<
  CallbackCheck,
  (params: Record<string, string>, state: ExpectedState, clientSecret: string) => void
> = {
  'shopify-hmac': (params, state, clientSecret) => {
    if (!verifyShopifyCallback(params, clientSecret))
      throw new ServiceError('invalid_signature', 'the callback signature does not match');
    if (params.shop !== state.shop)
      throw new ServiceError('shop_mismatch', 'the callback names another shop');
  },
};

/**
 * The provider's own callback checks, keyed with the client secret (Shopify's HMAC and shop), then the callback
 * parameters that identify the account (registry `callbackParams`), each present and well-formed.
 * @throws ServiceError invalid_signature, shop_mismatch, invalid_callback
 * @example const captured = verifyCallback(provider, state, params, credentials.clientSecret);
 */
export function verifyCallback(
  provider: ProviderEntry,
  state: ExpectedState,
  params: Record<string, string>,
  clientSecret: string,
): Record<string, string> {
  for (const check of provider.callbackChecks) CALLBACK_CHECKS[check](params, state, clientSecret);
  const captured: Record<string, string> = {};
  for (const name of provider.callbackParams) {
    const value = params[name];
    if (value === undefined || !CALLBACK_VALUE.test(value))
      throw new ServiceError('invalid_callback', `the callback lacks a valid ${name}`);
    captured[name] = value;
  }
  return captured;
}
