// Cost arithmetic of the cost model (docs/cost-model.md): public on-demand prices and pure functions over call counts.

/**
 * US East (N. Virginia) on-demand prices, USD, as published on the AWS pricing pages cited in docs/cost-model.md.
 * Free tiers are ignored (they vanish at the volumes this model is for).
 */
export const PRICES = {
  /** https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s a month) */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ (Standard table class) */
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  dynamoPerGbMonth: 0.25,
  /** https://aws.amazon.com/secrets-manager/pricing/ */
  secretPerMonth: 0.4,
  secretsPerApiCall: 0.05 / 10_000,
  /** https://aws.amazon.com/eventbridge/pricing/ (custom events, each 64 KB chunk) */
  eventBridgePerEvent: 1.0 / 1e6,
  /** https://aws.amazon.com/kms/pricing/ (symmetric requests) */
  kmsKeyPerMonth: 1.0,
  kmsPerRequest: 0.03 / 10_000,
} as const;

/** What one invocation of a handler costs in AWS calls, as measured. */
export interface InvocationUse {
  memoryMb: number;
  /** Billed duration assumed in AWS (ms); local timings have no real network in them. */
  billedMs: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  secretsApiCalls: number;
  events: number;
}

export interface CostLines {
  lambda: number;
  dynamo: number;
  secrets: number;
  eventBridge: number;
  kms: number;
  total: number;
}

function lines(partial: Omit<CostLines, 'total'>): CostLines {
  return {
    ...partial,
    total: partial.lambda + partial.dynamo + partial.secrets + partial.eventBridge + partial.kms,
  };
}

/** Cost of `count` invocations of each use (e.g. one flow = start + callback + complete). */
export function invocationsCost(uses: readonly InvocationUse[], count: number): CostLines {
  let lambda = 0;
  let dynamo = 0;
  let secrets = 0;
  let eventBridge = 0;
  for (const u of uses) {
    lambda +=
      count *
      (PRICES.lambdaPerRequest +
        (u.memoryMb / 1024) * (Math.ceil(u.billedMs) / 1000) * PRICES.lambdaArmPerGbSecond);
    dynamo +=
      count * (u.dynamoWriteUnits * PRICES.dynamoPerWriteUnit + u.dynamoReadUnits * PRICES.dynamoPerReadUnit);
    secrets += count * u.secretsApiCalls * PRICES.secretsPerApiCall;
    eventBridge += count * u.events * PRICES.eventBridgePerEvent;
  }
  return lines({ lambda, dynamo, secrets, eventBridge, kms: 0 });
}

/** A month of token use: `reads` token hand-outs and `refreshes` per source. */
export interface SourceMonth {
  sources: number;
  readsPerSource: number;
  refreshesPerSource: number;
}

/** Monthly cost of the tokens of `sources` kept in Secrets Manager (one secret each), from measured uses. */
export function secretsManagerVault(
  month: SourceMonth,
  read: InvocationUse,
  refresh: InvocationUse,
): CostLines {
  const { sources, readsPerSource, refreshesPerSource } = month;
  const use = invocationsCost([read], sources * readsPerSource);
  const renew = invocationsCost([refresh], sources * refreshesPerSource);
  return lines({
    lambda: use.lambda + renew.lambda,
    dynamo: use.dynamo + renew.dynamo,
    secrets: sources * PRICES.secretPerMonth + use.secrets + renew.secrets,
    eventBridge: use.eventBridge + renew.eventBridge,
    kms: 0,
  });
}

/**
 * The audit's alternative: the token document encrypted with KMS (one customer managed key) inside the connection
 * item the handlers read and update anyway. Each read drops its GetSecretValue and adds one KMS Decrypt; each refresh
 * drops its Secrets Manager calls and adds one KMS Encrypt plus `extraWriteUnits` for the larger item.
 */
export function dynamoKmsVault(
  month: SourceMonth,
  read: InvocationUse,
  refresh: InvocationUse,
  extra: { itemBytes: number; extraWriteUnits: number },
): CostLines {
  const { sources, readsPerSource, refreshesPerSource } = month;
  const withoutSecrets = (u: InvocationUse, units: number): InvocationUse => ({
    ...u,
    secretsApiCalls: 0,
    dynamoWriteUnits: u.dynamoWriteUnits + units,
  });
  const use = invocationsCost([withoutSecrets(read, 0)], sources * readsPerSource);
  const renew = invocationsCost(
    [withoutSecrets(refresh, extra.extraWriteUnits)],
    sources * refreshesPerSource,
  );
  const storage = ((sources * extra.itemBytes) / 1e9) * PRICES.dynamoPerGbMonth;
  const kmsRequests = sources * (readsPerSource + refreshesPerSource);
  return lines({
    lambda: use.lambda + renew.lambda,
    dynamo: use.dynamo + renew.dynamo + storage,
    secrets: 0,
    eventBridge: use.eventBridge + renew.eventBridge,
    kms: PRICES.kmsKeyPerMonth + kmsRequests * PRICES.kmsPerRequest,
  });
}

/** `$1,234.56`-style; cents below a dollar keep four decimals. */
export function usd(value: number): string {
  if (value < 1) return `$${value.toFixed(4)}`;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
