// The callback's rules as pure functions, without I/O or mocks: each rule's refusal code, and what passes.
import {
  callbackState,
  validateCallback,
  verifyCallback,
  type ExpectedState,
} from '../../../lambda/oauth/callback';
import { shopifyCallbackHmac } from '../../../lambda/oauth/shopify-hmac';
import { resolveProvider } from '../../../lambda/providers/registry';
import { ServiceError } from '../../../lambda/shared/errors';

const NOW = Date.parse('2026-12-02T00:00:00Z');
const STATE = 'S'.repeat(43);
const google = resolveProvider('google');
const box = resolveProvider('box');
const quickbooks = resolveProvider('quickbooks');
const shopify = resolveProvider('shopify');
const live = (provider: ExpectedState['provider'], extra: Partial<ExpectedState> = {}): ExpectedState => ({
  provider,
  expiresAt: NOW + 60_000,
  ...extra,
});

/** The code a rule refuses with, or 'passed'. */
function outcome(rule: () => unknown): string {
  try {
    rule();
    return 'passed';
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
}

describe('callbackState', () => {
  it('returns a well-formed state', () => {
    expect(callbackState({ state: STATE, code: 'c' }, false)).toBe(STATE);
  });
  it.each([
    ['a repeated parameter', { state: STATE }, true, 'invalid_callback'],
    ['no state', { code: 'c' }, false, 'missing_state'],
    ['an empty state', { state: '' }, false, 'missing_state'],
    ['a state not shaped like ours', { state: 'short' }, false, 'invalid_state'],
  ])('refuses %s', (_name, params, repeated, code) => {
    expect(outcome(() => callbackState(params as Record<string, string>, repeated))).toBe(code);
  });
});

describe('validateCallback', () => {
  const ok = { state: STATE, code: 'the-code', iss: 'https://accounts.google.com' };

  it('returns the code when every rule holds', () => {
    expect(validateCallback(google, live('google'), ok, NOW)).toBe('the-code');
    // A provider that sends no iss is not asked for one.
    expect(validateCallback(box, live('box'), { state: STATE, code: 'c' }, NOW)).toBe('c');
  });

  it.each([
    ['an expired state', live('google', { expiresAt: NOW - 1 }), ok, 'expired_state'],
    ['a state started for another provider', live('box'), ok, 'provider_mismatch'],
    ['the user refusing', live('google'), { ...ok, error: 'access_denied' }, 'access_denied'],
    ['another provider error', live('google'), { ...ok, error: 'server_error' }, 'provider_error'],
    [
      'a missing iss where the provider sends one',
      live('google'),
      { state: STATE, code: 'c' },
      'issuer_mismatch',
    ],
    ['another issuer', live('google'), { ...ok, iss: 'https://evil.example' }, 'issuer_mismatch'],
    ['no code', live('google'), { state: STATE, iss: ok.iss }, 'invalid_callback'],
    ['an overlong code', live('google'), { ...ok, code: 'c'.repeat(2049) }, 'invalid_callback'],
  ])('refuses %s', (_name, state, params, code) => {
    expect(outcome(() => validateCallback(google, state, params, NOW))).toBe(code);
  });

  it('checks in order: an expired state is expired even when the provider also sent an error', () => {
    const state = live('google', { expiresAt: NOW - 1 });
    expect(outcome(() => validateCallback(google, state, { error: 'access_denied' }, NOW))).toBe(
      'expired_state',
    );
  });
});

describe('verifyCallback', () => {
  const shop = 'example.myshopify.com';
  const secret = 'shopify-client-secret';
  const signed = (params: Record<string, string>, key = secret) => ({
    ...params,
    hmac: shopifyCallbackHmac(params, key),
  });
  const base = { state: STATE, code: 'c', shop, timestamp: '1764633600' };

  it('captures the identifying parameters of a Shopify callback signed with our secret', () => {
    expect(verifyCallback(shopify, live('shopify', { shop }), signed(base), secret)).toEqual({ shop });
  });

  it.each([
    ['a signature under another key', signed(base, 'another-secret'), 'invalid_signature'],
    ['no signature', base, 'invalid_signature'],
    ['a tampered parameter', { ...signed(base), code: 'other' }, 'invalid_signature'],
    ['a validly signed other shop', signed({ ...base, shop: 'other.myshopify.com' }), 'shop_mismatch'],
  ])('refuses %s', (_name, params, code) => {
    expect(outcome(() => verifyCallback(shopify, live('shopify', { shop }), params, secret))).toBe(code);
  });

  it('requires each identifying parameter, well-formed (QuickBooks realmId)', () => {
    const state = live('quickbooks');
    expect(verifyCallback(quickbooks, state, { code: 'c', realmId: '9341453' }, 's')).toEqual({
      realmId: '9341453',
    });
    expect(outcome(() => verifyCallback(quickbooks, state, { code: 'c' }, 's'))).toBe('invalid_callback');
    expect(outcome(() => verifyCallback(quickbooks, state, { code: 'c', realmId: 'a b' }, 's'))).toBe(
      'invalid_callback',
    );
  });

  it('asks nothing of a provider without checks or identifying parameters', () => {
    expect(verifyCallback(box, live('box'), { code: 'c' }, 's')).toEqual({});
  });
});
