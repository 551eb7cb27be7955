// The key under which webhooks find a connection: `<provider>#<name>=<value>` of one of the entry's identifiers.
import type { IdentityName, ProviderId } from './registry';

/**
 * The external key of one identifier; `name` must be one the provider's entry declares in `identity`.
 * @example externalKeyOf('stripe', 'stripeAccountId', 'acct_123') // 'stripe#stripeAccountId=acct_123'
 */
export function externalKeyOf<P extends ProviderId>(
  provider: P,
  name: IdentityName<P>,
  value: string,
): string {
  return `${provider}#${name}=${value}`;
}
