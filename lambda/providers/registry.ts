// The provider registry: ids, entries by id and lookups, all derived from the entries (./entries.ts).
import { ENTRIES } from './entries';
import type { EndpointOverrides, ProviderEntry } from './types';

export type ProviderId = (typeof ENTRIES)[number]['id'];

/** Names under which a provider's entry stores its external-account identifiers (`identity[].as`). */
export type IdentityName<P extends ProviderId> = Extract<
  (typeof ENTRIES)[number],
  { readonly id: P }
>['identity'][number]['as'];

/** Ids of the providers this service connects, in registry order. */
export const PROVIDER_IDS: readonly ProviderId[] = ENTRIES.map((entry) => entry.id);

/** Every provider, keyed by id. */
export const PROVIDERS = Object.fromEntries(ENTRIES.map((entry) => [entry.id, entry])) as Readonly<
  Record<ProviderId, ProviderEntry>
>;

/** Narrows an untrusted string (a path parameter) to a provider id. */
export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}

/**
 * The entry of a provider with the stage's endpoint overrides applied.
 * @example resolveProvider('quickbooks', { quickbooks: { tokenEndpoint: 'https://sandbox...' } })
 */
export function resolveProvider(id: ProviderId, overrides: EndpointOverrides = {}): ProviderEntry {
  const base = PROVIDERS[id];
  const o = overrides[id];
  if (!o) return base;
  return {
    ...base,
    authorizationEndpoint: o.authorizationEndpoint ?? base.authorizationEndpoint,
    tokenEndpoint: o.tokenEndpoint ?? base.tokenEndpoint,
    issuer: o.issuer ?? base.issuer,
    revocation:
      base.revocation && o.revocationEndpoint
        ? { ...base.revocation, endpoint: o.revocationEndpoint }
        : base.revocation,
  };
}

export type { ProviderEntry };
