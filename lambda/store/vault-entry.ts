// The vault's vocabulary shared by the interface and its backends: refs, lookups, entries, the version conflict.
import type { TokenDocument } from '../oauth/token-document';
import type { HandlerEnv } from '../shared/env';

export interface TokenRef {
  accountId: string;
  sourceId: string;
}

/** What this service looks a source up by, kept on its oauth-tokens item (indexes of lambda/store/tables.ts). */
export interface Lookup {
  /** `<provider>#<name>=<value>` (externalKey() in lambda/oauth/token-document.ts): webhooks. */
  externalKey?: string;
  /** When the refresher should next refresh; undefined keeps the source out of the refresh index. */
  refreshDueAt?: string;
}

/** The stored document without its two tokens: nothing secret (the connection record carries the same fields). */
export type TokenInfo = Omit<TokenDocument, 'accessToken' | 'refreshToken'> & { refreshable: boolean };

/** A source's stored tokens as read, at one version. Opening is what costs a KMS Decrypt per part. */
export interface VaultEntry {
  version: number;
  info: TokenInfo;
  /** The document with the access token (`refreshToken` left out). */
  openAccess(): Promise<TokenDocument>;
  /** The document with the refresh token and an empty access token (what a refresh sends). */
  openRefresh(): Promise<TokenDocument>;
  /** The whole document, both tokens (what a revocation needs). */
  openAll(): Promise<TokenDocument>;
  /**
   * Forgets what openRefresh() kept for a replace on this entry (the dynamodb-kms backend keeps the refresh part's
   * data key, so a rotated refresh token is sealed again without a KMS request). Idempotent; replace() calls it too.
   */
  release(): void;
}

/** A replace lost to a write that changed the item since `basis` was read (another refresh, a reconnect). */
export class VersionConflict extends Error {
  constructor() {
    super('the stored tokens changed since they were read');
    this.name = 'VersionConflict';
  }
}

export interface TokenVault {
  /** The stored tokens, or undefined when the source has none. */
  read(ref: TokenRef): Promise<VaultEntry | undefined>;
  /** Tokens of a new source. */
  create(ref: TokenRef, document: TokenDocument, lookup: Lookup): Promise<void>;
  /**
   * Writes a new version. With `basis` (what the caller read) only while the item is still at that version,
   * else VersionConflict: a lost race never puts an older refresh token back. Without it, unconditionally
   * (a reconnect: the user's new consent wins).
   */
  replace(ref: TokenRef, document: TokenDocument, lookup: Lookup, basis?: VaultEntry): Promise<void>;
  /** Removes the tokens: `recoverable` where the backend keeps a recovery window, `now` for erasure. Missing is fine. */
  remove(ref: TokenRef, how: 'recoverable' | 'now'): Promise<void>;
}

/** The backend's settings (from the handler environment). */
export interface VaultSettings {
  stage: string;
  table: string;
  backend: HandlerEnv['tokenVault'];
  keyId: string;
  /** dynamodb-kms only: read a missing item from the source's Secrets Manager secret (during migration). */
  readFallback: boolean;
}

/** Alias of a stage's token key: the stack creates it; the local run, the migration and the preflight name it. */
export function tokenKeyAlias(stage: string): string {
  return `alias/listbackup-integrations/${stage}/tokens`;
}

/** The parts of a document that are not its tokens. */
export function infoOf(document: TokenDocument): TokenInfo {
  const { accessToken: _a, refreshToken, ...info } = document;
  void _a;
  return { ...info, refreshable: refreshToken !== undefined && refreshToken !== '' };
}
