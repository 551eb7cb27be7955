// What a verified delivery does, connection by connection: records (one transaction) -> tokens -> event, resumable.
import { PROVIDERS } from '../providers/registry';
import type { ProviderId } from '../providers/types';
import { activity, connectionIdOf } from '../records/shapes';
import { recordPublished, type Claim } from '../store/deliveries';
import { DETAIL_TYPES, publish } from '../store/events';
import { sourcesByExternalKey } from '../store/token-items';
import type { TokenRef } from '../store/vault';
import type { TokenConfig } from '../tokens/config';
import { applyRecordChange, type ConnectionRef, type RecordChange } from '../store/webhook-records';
import { logger } from '../shared/logger';
import { countHealthTransition } from '../metrics/emit';
import type { Delivery, WebhookAction } from './types';

/** What a delivery's effects need of the stage: its tables (the tokens' byExternalAccount index finds the sources), vault and bus. */
export type EffectContext = Pick<TokenConfig, 'tables' | 'vault' | 'eventBusName'>;

export interface EffectSummary {
  /** Connections this attempt changed (records, secret, event). */
  changed: number;
  /** Connections found whose state made the action not apply (already disconnected, newer, still active). */
  skipped: number;
}

type Acting = Exclude<WebhookAction, { kind: 'ignore' }>;
/**
 * One pass over a connection: the delivery's action, or the disconnect a redact runs first on a connection
 * that is not disconnected yet (the uninstall never arrived or failed), so that it ends like any other.
 */
type Step = Acting | { kind: 'disconnect-for-redact' };
type ClaimHeld = Extract<Claim, { outcome: 'claimed' }>;

const refOf = (c: ConnectionRef) => `${c.accountId}/${c.sourceId}`;
/** Progress key of the disconnect a redact runs first (kept apart from the redact's own). */
const DISCONNECT_FIRST = '/disconnect';

function change(step: Step, provider: ProviderId, now: number): RecordChange {
  const at = new Date(now).toISOString();
  if (step.kind === 'disconnect')
    return {
      kind: 'disconnect',
      at,
      occurredAt: new Date(step.occurredAt).toISOString(),
      errorCode: 'uninstalled',
    };
  if (step.kind === 'disconnect-for-redact') return { kind: 'disconnect', at, errorCode: 'redacted' };
  if (step.kind === 'redact')
    return { kind: 'redact', at, redactedName: `${PROVIDERS[provider].displayName} (redacted)` };
  return { kind: 'notify' };
}

function message(step: Step, provider: ProviderId): string {
  const name = PROVIDERS[provider].displayName;
  if (step.kind === 'disconnect')
    return `${name} disconnected: ${step.reason.charAt(0).toLowerCase()}${step.reason.slice(1)}`;
  if (step.kind === 'disconnect-for-redact')
    return `${name} disconnected: the shop asked to erase its data (shop/redact)`;
  if (step.kind === 'redact')
    return `${name} asked to erase this shop's data (shop/redact): tokens and connection record deleted`;
  return step.message;
}

/**
 * The token step: removed on disconnect (recoverable where the backend can), erased on redact, none on notify
 * (nor on the disconnect before a redact: the redact erases at once). Idempotent.
 */
async function tokenStep(ctx: EffectContext, step: Step, ref: TokenRef): Promise<void> {
  if (step.kind === 'disconnect') await ctx.vault.remove(ref, 'recoverable');
  else if (step.kind === 'redact') await ctx.vault.remove(ref, 'now');
}

async function publishStep(
  ctx: EffectContext,
  step: Step,
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
  if (step.kind === 'disconnect' || step.kind === 'disconnect-for-redact') {
    await publish(ctx.eventBusName, DETAIL_TYPES.connectionDisconnected, {
      ...base,
      reason: step.kind === 'disconnect' ? 'uninstalled_at_provider' : 'shop_redacted',
    });
  } else if (step.kind === 'redact') {
    await publish(ctx.eventBusName, DETAIL_TYPES.shopRedactRequested, { ...base, shop: step.shop });
  } else {
    await publish(ctx.eventBusName, DETAIL_TYPES[step.detailType], { ...base, ...step.detail });
  }
}

/** One step on one connection, resumable through the delivery's progress under `key`. */
async function applyStep(
  ctx: EffectContext,
  claim: ClaimHeld,
  provider: ProviderId,
  delivery: Delivery,
  step: Step,
  ref: ConnectionRef,
  key: string,
  now: number,
): Promise<'changed' | 'skipped' | 'done'> {
  if (claim.published.has(key)) return 'done';
  if (!claim.applied.has(key)) {
    const disconnects = step.kind === 'disconnect' || step.kind === 'disconnect-for-redact';
    const entry = activity(
      ref.accountId,
      disconnects ? 'integration.disconnected' : 'integration.webhook',
      provider,
      message(step, provider),
      now,
      { sourceId: ref.sourceId },
    );
    const outcome = await applyRecordChange(
      ctx.tables,
      ctx.tables.states,
      claim,
      ref,
      change(step, provider, now),
      entry,
      key,
    );
    if (outcome === 'skipped') return 'skipped';
    claim.applied.add(key);
    if (disconnects) countHealthTransition(provider, 'disconnected');
  }
  await tokenStep(ctx, step, ref);
  await publishStep(ctx, step, provider, ref, delivery);
  await recordPublished(ctx.tables.states, claim, key);
  claim.published.add(key);
  return 'changed';
}

/**
 * Disconnects (or redacts, or notifies about) one connection for a delivery, resuming where an earlier
 * attempt stopped: records and activity in one transaction that also marks the connection as applied
 * for this delivery; then the token secret; then the event, after which it is marked published. A crash
 * between the steps leaves the delivery unfinished, and the provider's retry completes it.
 * A redact always erases: a connection not yet disconnected is disconnected first (its own activity and
 * `Connection Disconnected` event), then redacted.
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
  if (delivery.action.kind === 'redact' && !claim.applied.has(key)) {
    // Skipped when already disconnected (or gone); either way the redact below runs next.
    const step = { kind: 'disconnect-for-redact' } as const;
    await applyStep(ctx, claim, provider, delivery, step, ref, key + DISCONNECT_FIRST, now);
  }
  return applyStep(ctx, claim, provider, delivery, delivery.action, ref, key, now);
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
  // The external key starts with the provider id, so every source found is of this provider.
  const found = (
    await Promise.all(action.externalKeys.map((k) => sourcesByExternalKey(ctx.tables.tokens, k)))
  ).flat();
  const refs = new Map<string, ConnectionRef>();
  for (const c of found) refs.set(refOf(c), { accountId: c.accountId, sourceId: c.sourceId });
  // A redacted connection record is gone from the index: finish it from the delivery's own progress.
  for (const key of claim.applied) {
    const [accountId, sourceId] = key.split('/');
    if (accountId && sourceId && !refs.has(`${accountId}/${sourceId}`))
      refs.set(`${accountId}/${sourceId}`, { accountId, sourceId });
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
