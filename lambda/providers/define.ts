// defineProvider(): a registry entry from only what sets the provider apart; everything else takes the common default.
import type { IdentitySource, ProviderEntryOf, TokenLifecycle } from './types';

/** Refresh this long before an access token expires, unless an entry says otherwise (`tokens.refreshMarginSeconds`). */
export const DEFAULT_REFRESH_MARGIN_SECONDS = 300;

/** Fields most providers share; an entry names them only where it differs. */
const DEFAULTS = {
  scopeSeparator: ' ',
  authorizationParams: {},
  tokenParams: {},
  tokenHeaders: {},
  requiresShop: false,
  callbackChecks: [],
  callbackParams: [],
} as const satisfies Partial<ProviderEntryOf<string>>;

type Defaulted = keyof typeof DEFAULTS;

/** What an entry states: its id as a literal, its facts, and the defaulted fields only where it differs. */
export type ProviderDefinition<Id extends string> = Omit<ProviderEntryOf<Id>, Defaulted | 'tokens'> &
  Partial<Pick<ProviderEntryOf<Id>, Defaulted>> & {
    readonly tokens: Omit<TokenLifecycle, 'refreshMarginSeconds'> & { refreshMarginSeconds?: number };
  };

/** Identifiers whose stored names are kept as literals, so code naming one (webhooks) is checked against the entry. */
type Identities<As extends string> = readonly (IdentitySource & { readonly as: As })[];

/**
 * A registry entry with the defaults filled in: space-separated scopes, no extra parameters or headers, no shop,
 * no callback checks or kept parameters, and the default refresh margin.
 * @example defineProvider({ id: 'box', displayName: 'Box', ..., tokens: { rotatesRefreshToken: true, expiresInWhenMissing: 3600 } })
 */
export function defineProvider<const Id extends string, const As extends string = never>(
  definition: ProviderDefinition<Id> & { readonly identity: Identities<As> },
): ProviderEntryOf<Id> & { readonly identity: Identities<As> } {
  return {
    ...DEFAULTS,
    ...definition,
    tokens: {
      ...definition.tokens,
      refreshMarginSeconds: definition.tokens.refreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS,
    },
  };
}
