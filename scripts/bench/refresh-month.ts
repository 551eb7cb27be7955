// Counts the refreshes a connection costs: a simulated clock runs the refresher's schedule and a job's token
// reads through the same decisions as the service (policy.ts, records/shapes.ts) with the registry's lifetimes.
import { refreshedDocument, type TokenDocument } from '../../lambda/oauth/token-document';
import { PROVIDERS, PROVIDER_IDS } from '../../lambda/providers/registry';
import type { ProviderEntry, ProviderId } from '../../lambda/providers/types';
import { refreshDueAt } from '../../lambda/records/shapes';
import { dueForRefresh, needsRefresh } from '../../lambda/tokens/policy';

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
/** A month is counted as 30 days; runs are a whole year long so keep-alives of 30-180 days average out. */
export const MONTH_MS = 30 * DAY;

export interface MonthOfRefreshes {
  /** By the scheduled refresher (keep-alive). */
  scheduled: number;
  /** By token access when a job found the access token inside its margin. */
  onDemand: number;
}

/** How a job uses the connection: never, or one token read every `everyMs`. */
export type Usage = { kind: 'unused' } | { kind: 'every'; everyMs: number };

/**
 * Where a provider's usual `expires_in` differs from the registry's value for a missing one: Shopify's
 * expiring offline tokens (requested with expiring=1) last an hour; `never` is for the legacy ones.
 */
const ACCESS_LIFETIME_SECONDS: Partial<Record<ProviderId, number>> = { shopify: 3600 };

/** A provider's access token lifetime as the simulation takes it (registry `tokens.expiresInWhenMissing`). */
function lifetimeMs(provider: ProviderEntry): number | null {
  const seconds = ACCESS_LIFETIME_SECONDS[provider.id] ?? provider.tokens.expiresInWhenMissing;
  return seconds === 'never' ? null : seconds * 1000;
}

function answer(provider: ProviderEntry, now: number) {
  const lifetime = lifetimeMs(provider);
  return {
    accessToken: `at-${now}`,
    refreshToken: provider.tokens.rotatesRefreshToken ? `rt-${now}` : undefined,
    tokenType: 'bearer',
    scopes: [],
    expiresAt: lifetime === null ? null : now + lifetime,
    fields: {},
  };
}

/**
 * Refreshes of one connection over `months` (30-day months), per month on average: the refresher runs every
 * `intervalMinutes` and refreshes what its index says is due and the policy confirms; a job reads a token at
 * its usage's interval and token access refreshes when the policy says so.
 */
export function simulateRefreshes(
  id: ProviderId,
  usage: Usage,
  options: { intervalMinutes?: number; months?: number } = {},
): MonthOfRefreshes {
  const provider = PROVIDERS[id];
  const interval = (options.intervalMinutes ?? 10) * MINUTE;
  const months = options.months ?? 12;
  const end = months * MONTH_MS;
  const first = answer(provider, 0);
  let document: TokenDocument = {
    version: 1,
    provider: id,
    accessToken: first.accessToken,
    refreshToken: 'rt-0',
    tokenType: 'bearer',
    scopes: [],
    expiresAt: first.expiresAt === null ? null : new Date(first.expiresAt).toISOString(),
    obtainedAt: new Date(0).toISOString(),
    externalAccount: {},
  };
  let indexDue = refreshDueAt(provider, document);
  const counts = { scheduled: 0, onDemand: 0 };
  const refresh = (now: number, by: keyof MonthOfRefreshes) => {
    document = refreshedDocument(document, answer(provider, now), now, provider.tokens);
    indexDue = refreshDueAt(provider, document);
    counts[by] += 1;
  };
  let nextRun = interval;
  let nextRead = usage.kind === 'every' ? usage.everyMs : Infinity;
  while (Math.min(nextRun, nextRead) <= end) {
    if (nextRead <= nextRun) {
      if (needsRefresh(provider, document, nextRead)) refresh(nextRead, 'onDemand');
      nextRead += (usage as { everyMs: number }).everyMs;
    } else {
      if (indexDue !== undefined && Date.parse(indexDue) <= nextRun) {
        if (dueForRefresh(provider, document, nextRun)) refresh(nextRun, 'scheduled');
        else indexDue = refreshDueAt(provider, document);
      }
      nextRun += interval;
    }
  }
  return { scheduled: counts.scheduled / months, onDemand: counts.onDemand / months };
}

/** The per-provider table of docs/token-lifecycle.md and docs/cost-model.md. */
export const USAGES: readonly { label: string; usage: Usage }[] = [
  { label: 'unused', usage: { kind: 'unused' } },
  { label: 'daily backup', usage: { kind: 'every', everyMs: DAY } },
  { label: 'hourly sync', usage: { kind: 'every', everyMs: 60 * MINUTE } },
];

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Markdown rows: provider, then scheduled + on-demand refreshes a month for each usage. */
export function refreshTable(intervalMinutes = 10): string {
  const header = ['provider', ...USAGES.map((u) => `${u.label}: scheduled + on demand`)];
  const rows = PROVIDER_IDS.map((id) => [
    PROVIDERS[id].displayName,
    ...USAGES.map(({ usage }) => {
      const m = simulateRefreshes(id, usage, { intervalMinutes });
      return `${round(m.scheduled)} + ${round(m.onDemand)}`;
    }),
  ]);
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

if (require.main === module) {
  process.stdout.write(`${refreshTable()}\n`);
}
