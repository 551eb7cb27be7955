// Connections of one external account (a Shopify shop, a Stripe account, a Google user), found through the
// byExternalAccount index of our own oauth-tokens table, then read from platform-connections by key.
import type { ConnectionRecord } from './connections';
import { getConnection } from './connections';
import { sourcesByExternalKey } from './token-items';

/** The two tables a lookup reads: oauth-tokens (its index) and platform-connections (the records). */
export interface LookupTables {
  tokens: string;
  connections: string;
}

/**
 * Every connection whose externalKey is `key` (`<provider>#<name>=<value>`, see externalKey() in
 * lambda/oauth/token-document.ts), across accounts: one shop can be connected by several accounts. A disconnected
 * source keeps its lookup (a later webhook must still find it), so callers filter on `status`.
 * @example await connectionsByExternalKey({ tokens: 'lbdev-oauth-tokens', connections: 'lbdev-platform-connections' }, 'shopify#shop=x.myshopify.com')
 */
export async function connectionsByExternalKey(
  tables: LookupTables,
  key: string,
): Promise<ConnectionRecord[]> {
  const refs = await sourcesByExternalKey(tables.tokens, key);
  const found = await Promise.all(
    refs.map((ref) => getConnection(tables.connections, ref.accountId, ref.sourceId)),
  );
  return found.filter((c): c is ConnectionRecord => c !== undefined);
}
