// The dynamodb-kms vault: the access and refresh tokens sealed separately (envelope.ts) in the source's oauth-tokens item.
import type { TokenDocument } from '../oauth/token-document';
import { kms } from './clients';
import {
  open,
  openHolding,
  release,
  resealWith,
  seal,
  type EnvelopeContext,
  type HeldKey,
  type Purpose,
  type Sealed,
} from './envelope';
import {
  deleteTokenItem,
  getTokenItem,
  lookupFields,
  writeTokenItem,
  type WriteCondition,
} from './token-items';
import {
  VersionConflict,
  infoOf,
  type Lookup,
  type TokenInfo,
  type TokenRef,
  type TokenVault,
  type VaultEntry,
  type VaultSettings,
} from './vault-entry';
import { secretsManagerVault } from './vault-secrets';

/** The stored item: keys, version, lookups, the document's non-secret fields, and one sealed part per token. */
interface TokenItem extends TokenRef {
  version: number;
  /** Set by a disconnect: the tokens are gone on purpose (a migration must not bring them back). */
  removedAt?: string;
  info?: TokenInfo;
  access?: Sealed;
  refresh?: Sealed;
}

/**
 * An entry of this backend: remembers what it opened so a replace can keep an unchanged refresh part, and (after
 * openRefresh) the refresh part's data key, so a rotated refresh token is sealed again under it without a KMS call.
 */
interface KmsEntry extends VaultEntry {
  readonly item: TokenItem;
  openedRefresh?: string;
  heldRefreshKey?: HeldKey;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** The backend, plus the migration's conditional write (not part of the vault interface). */
export interface KmsVault extends TokenVault {
  /** Seals into an item that holds no tokens and was never disconnected; VersionConflict otherwise. */
  seal(ref: TokenRef, document: TokenDocument, lookup: Lookup): Promise<void>;
}

export function dynamoKmsVault(settings: VaultSettings): KmsVault {
  const fallback = settings.readFallback ? secretsManagerVault(settings, { lookups: false }) : undefined;

  const context = (ref: TokenRef, provider: string, purpose: Purpose): EnvelopeContext => ({
    stage: settings.stage,
    accountId: ref.accountId,
    sourceId: ref.sourceId,
    provider,
    purpose,
  });

  const opened = async (ref: TokenRef, item: TokenItem, part: Purpose): Promise<string> => {
    const sealed = part === 'access' ? item.access : item.refresh;
    if (!sealed || !item.info) throw new Error(`no ${part} part stored`);
    const plain = await open(kms, sealed, context(ref, item.info.provider, part));
    try {
      return plain.toString('utf8');
    } finally {
      plain.fill(0);
    }
  };

  const entryOf = (ref: TokenRef, item: TokenItem): KmsEntry => {
    const info = item.info as TokenInfo;
    const { refreshable: _r, ...fields } = info;
    void _r;
    let access: Promise<string> | undefined;
    const refresh = async (hold: boolean): Promise<string | undefined> => {
      if (!info.refreshable) return undefined;
      if (entry.openedRefresh !== undefined && (!hold || entry.heldRefreshKey)) return entry.openedRefresh;
      const sealed = item.refresh;
      if (!sealed) throw new Error('no refresh part stored');
      const where = context(ref, info.provider, 'refresh');
      if (!hold) {
        const plain = await open(kms, sealed, where);
        entry.openedRefresh = plain.toString('utf8');
        plain.fill(0);
        return entry.openedRefresh;
      }
      const { plain, held } = await openHolding(kms, sealed, where);
      release(entry.heldRefreshKey);
      entry.heldRefreshKey = held;
      entry.openedRefresh = plain.toString('utf8');
      plain.fill(0);
      return entry.openedRefresh;
    };
    const entry: KmsEntry = {
      version: item.version,
      info,
      item,
      async openAccess() {
        access ??= opened(ref, item, 'access');
        return { ...fields, accessToken: await access } as TokenDocument;
      },
      async openRefresh() {
        return { ...fields, accessToken: '', refreshToken: await refresh(true) } as TokenDocument;
      },
      async openAll() {
        const document = await entry.openAccess();
        return { ...document, refreshToken: await refresh(false) };
      },
      release() {
        release(entry.heldRefreshKey);
        entry.heldRefreshKey = undefined;
      },
    };
    return entry;
  };

  /** The item's fields for a document: the refresh part is kept as stored when its token did not change. */
  const fieldsFor = async (
    ref: TokenRef,
    document: TokenDocument,
    lookup: Lookup,
    basis?: KmsEntry,
  ): Promise<Record<string, unknown>> => {
    if (!settings.keyId) throw new Error('TOKEN_KEY_ID is not set: the dynamodb-kms vault needs its KMS key');
    const access = await seal(
      kms,
      settings.keyId,
      context(ref, document.provider, 'access'),
      utf8(document.accessToken),
    );
    let refresh: Sealed | undefined;
    if (document.refreshToken) {
      const unchanged =
        basis?.item.refresh &&
        basis.openedRefresh === document.refreshToken &&
        basis.info.provider === document.provider;
      const where = context(ref, document.provider, 'refresh');
      const held = basis?.heldRefreshKey;
      // A rotated refresh token goes under the data key of the part it replaces (same source, same purpose: the
      // key was opened for this refresh), with a fresh IV; anything else under a new data key.
      refresh = unchanged
        ? basis.item.refresh
        : held && !held.released && basis.info.provider === document.provider
          ? resealWith(held, where, utf8(document.refreshToken))
          : await seal(kms, settings.keyId, where, utf8(document.refreshToken));
    }
    return {
      info: infoOf(document),
      access,
      refresh,
      ...lookupFields(lookup),
      removedAt: undefined,
      updatedAt: new Date().toISOString(),
    };
  };

  const write = async (
    ref: TokenRef,
    document: TokenDocument,
    lookup: Lookup,
    condition: WriteCondition,
    basis?: KmsEntry,
  ) => {
    try {
      await writeTokenItem(settings.table, ref, await fieldsFor(ref, document, lookup, basis), condition);
    } finally {
      // The held refresh key served this write (or the write failed): zeroed either way.
      basis?.release();
    }
  };

  return {
    async read(ref) {
      const item = await getTokenItem<TokenItem>(settings.table, ref);
      if (item?.access && item.info) return entryOf(ref, item);
      // While a stage migrates, a source not copied yet still has its secret (and maybe a lookup-only item of
      // the secrets-manager mode); the first write on that version seals it into the item.
      if (fallback && !item?.removedAt) {
        const old = await fallback.read(ref);
        return old ? { ...old, version: item?.version ?? 0 } : undefined;
      }
      return undefined;
    },
    create: (ref, document, lookup) => write(ref, document, lookup, 'new'),
    seal: (ref: TokenRef, document: TokenDocument, lookup: Lookup) =>
      write(ref, document, lookup, 'unsealed'),
    replace: (ref, document, lookup, basis) =>
      write(
        ref,
        document,
        lookup,
        basis ? (basis.version === 0 ? 'new' : basis.version) : 'any',
        basis && 'item' in basis ? (basis as KmsEntry) : undefined,
      ),
    async remove(ref, how) {
      if (how === 'now') await deleteTokenItem(settings.table, ref);
      // A disconnect drops the sealed tokens and the refresh lookup; the external-account lookup stays so a
      // later webhook (Shopify's shop/redact, 48 hours after the uninstall) still finds the source.
      else
        await writeTokenItem(
          settings.table,
          ref,
          {
            info: undefined,
            access: undefined,
            refresh: undefined,
            refreshPartition: undefined,
            refreshDueAt: undefined,
            removedAt: new Date().toISOString(),
          },
          // While migrating, a source may have no item yet: the mark is written anyway, so a migration that read
          // the secret before this disconnect cannot copy its tokens back afterwards.
          fallback ? 'any' : 'exists',
        ).catch((error) => {
          if (!(error instanceof VersionConflict)) throw error;
        });
      await fallback?.remove(ref, how);
    },
  };
}

/**
 * The migration's write: seals a document read from the source's old secret into its item, only while the item
 * holds no tokens yet (never over a refresh's newer ones, never over a disconnect).
 * @returns false when the item already holds tokens or was disconnected
 */
export async function sealIfUnsealed(
  settings: VaultSettings,
  ref: TokenRef,
  document: TokenDocument,
  lookup: Lookup,
): Promise<boolean> {
  const vault = dynamoKmsVault({ ...settings, readFallback: false });
  try {
    await vault.seal(ref, document, lookup);
    return true;
  } catch (error) {
    if (error instanceof VersionConflict) return false;
    throw error;
  }
}
