// What a verified delivery does, connection by connection: records (one transaction) -> token secret -> event, resumable.
import { PROVIDERS } from '../providers/registry';
import type { ProviderId } from '../providers/types';
import { activity, connectionIdOf, type ConnectionItem } from '../records/shapes';
import { connectionsByExternalKey } from '../store/connection-lookup';
import { recordPublished, type Claim } from '../store/deliveries';
import { DETAIL_TYPES, publish } from '../store/events';
import type { RecordTables } from '../store/records';
import { scheduleDeletion, tokenSecretName } from '../store/vault';
import { deleteTokensNow } from '../store/webhook-secrets';
import { applyRecordChange, type ConnectionRef, type RecordChange } from '../store/webhook-records';
import { logger } from '../shared/logger';
import type { Delivery, WebhookAction } from './types';

export interface EffectContext {
  tables: RecordTables;
  statesTable: string;
  eventBusName: string;
}

export interface EffectSummary {
  /** Connections this attempt changed (records, secret, event). */
  changed: number;
  /** Connections found whose state made the action not apply (already disconnected, newer, still active). */
  skipped: number;
}

type Acting = Exclude<WebhookAction, { kind: 'ignore' }>;
type ClaimHeld = Extract<Claim, { outcome: 'claimed' }>;

const refOf = (c: ConnectionRef) => `${c.accountId}/${c.sourceId}`;

function change(action: Acting, provider: ProviderId, now: number): RecordChange {
  const at = new Date(now).toISOString();
  if (action.kind === 'disconnect')
    return {
      kind: 'disconnect',
      at,
      occurredAt: new Date(action.occurredAt).toISOString(),
      errorCode: 'uninstalled',
    };
  if (action.kind === 'redact')
    return { kind: 'redact', at, redactedName: `${PROVIDERS[provider].displayName} (redacted)` };
  return { kind: 'notify' };
}

function message(action: Acting, provider: ProviderId): string {
  const name = PROVIDERS[provider].displayName;
  if (action.kind === 'disconnect')
    return `${name} disconnected: ${action.reason.charAt(0).toLowerCase()}${action.reason.slice(1)}`;
  if (action.kind === 'redact')
    return `${name} asked to erase this shop's data (shop/redact): tokens and connection record deleted`;
  return action.message;
}

/** The secret step: deletion scheduled on disconnect, immediate on redact, none on notify. Idempotent. */
async function secretStep(action: Acting, secretName: string): Promise<void> {
  if (action.kind === 'disconnect') await scheduleDeletion(secretName);
  else if (action.kind === 'redact') await deleteTokensNow(secretName);
}

async function publishStep(
  ctx: EffectContext,
  action: Acting,
  provider: ProviderId,
  ref: ConnectionRef,
  delivery: Delivery,
): Promise<void> {
  const base = {
    accountId: ref.accountId,
    provider,
    sourceId: ref.sourceId,
    connectionId: connectionIdOf(ref.sourceId),
    webhook: delivery.topic,
  };
  if (action.kind === 'disconnect') {
    await publish(ctx.eventBusName, DETAIL_TYPES.connectionDisconnected, {
      ...base,
      reason: 'uninstalled_at_provider',
    });
  } else if (action.kind === 'redact') {
    await publish(ctx.eventBusName, DETAIL_TYPES.shopRedactRequested, { ...base, shop: action.shop });
  } else {
    await publish(ctx.eventBusName, DETAIL_TYPES[action.detailType], { ...base, ...action.detail });
  }
}

/**
 * Disconnects (or redacts, or notifies about) one connection for a delivery, resuming where an earlier
 * attempt stopped: records and activity in one transaction that also marks the connection as applied
 * for this delivery; then the token secret; then the event, after which it is marked published. A crash
 * between the steps leaves the delivery unfinished, and the provider's retry completes it.
 * Shareable with the user-initiated disconnect, which has the same three steps.
 */
export async function applyToConnection(
  ctx: EffectContext,
  claim: ClaimHeld,
  provider: ProviderId,
  delivery: Delivery & { action: Acting },
  ref: ConnectionRef,
  now: number,
): Promise<'changed' | 'skipped' | 'done'> {
  const key = refOf(ref);
  if (claim.published.has(key)) return 'done';
  if (!claim.applied.has(key)) {
    const entry = activity(
      ref.accountId,
      delivery.action.kind === 'disconnect' ? 'integration.disconnected' : 'integration.webhook',
      provider,
      message(delivery.action, provider),
      now,
      {
        sourceId: ref.sourceId,
      },
    );
    const outcome = await applyRecordChange(
      ctx.tables,
      ctx.statesTable,
      claim,
      ref,
      change(delivery.action, provider, now),
      entry,
    );
    if (outcome === 'skipped') return 'skipped';
    claim.applied.add(key);
  }
  await secretStep(delivery.action, tokenSecretName(ref.accountId, ref.sourceId));
  await publishStep(ctx, delivery.action, provider, ref, delivery);
  await recordPublished(ctx.statesTable, claim, key);
  claim.published.add(key);
  return 'changed';
}

/** Applies a delivery's action to every connection it names (and finishes those an earlier attempt started). */
export async function applyDelivery(
  ctx: EffectContext,
  claim: ClaimHeld,
  provider: ProviderId,
  delivery: Delivery,
  now: number,
): Promise<EffectSummary> {
  const action = delivery.action;
  if (action.kind === 'ignore') return { changed: 0, skipped: 0 };
  const found: ConnectionItem[] = (
    await Promise.all(action.externalKeys.map((k) => connectionsByExternalKey(ctx.tables.connections, k)))
  ).flat();
  const refs = new Map<string, ConnectionRef>();
  for (const c of found)
    if (c.provider === provider) refs.set(refOf(c), { accountId: c.accountId, sourceId: c.sourceId });
  // A redacted connection record is gone from the index: finish it from the delivery's own progress.
  for (const key of claim.applied) {
    const [accountId, sourceId] = key.split('/');
    if (!refs.has(key) && accountId && sourceId) refs.set(key, { accountId, sourceId });
  }
  const summary: EffectSummary = { changed: 0, skipped: 0 };
  for (const ref of refs.values()) {
    const outcome = await applyToConnection(ctx, claim, provider, { ...delivery, action }, ref, now);
    if (outcome === 'changed') summary.changed += 1;
    if (outcome === 'skipped') summary.skipped += 1;
    logger.info('webhook effect', {
      provider,
      topic: delivery.topic,
      deliveryId: delivery.id,
      accountId: ref.accountId,
      sourceId: ref.sourceId,
      outcome,
    });
  }
  return summary;
}
