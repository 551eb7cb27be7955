// Cost arithmetic of the cost model: Lambda GB-seconds, request units, Secrets Manager and KMS lines.
import {
  PRICES,
  dynamoKmsVault,
  invocationsCost,
  secretsManagerVault,
  usd,
  type InvocationUse,
} from '../../scripts/bench/cost';

const nothing: InvocationUse = {
  memoryMb: 1024,
  billedMs: 1000,
  dynamoWriteUnits: 0,
  dynamoReadUnits: 0,
  secretsApiCalls: 0,
  events: 0,
};

describe('invocationsCost', () => {
  it('bills a 1 GB, 1 s invocation as one GB-second plus one request', () => {
    const c = invocationsCost([nothing], 1);
    expect(c.lambda).toBeCloseTo(PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest, 12);
    expect(c.total).toBeCloseTo(c.lambda, 12);
  });

  it('rounds durations up to the millisecond and scales with memory', () => {
    const a = invocationsCost([{ ...nothing, memoryMb: 256, billedMs: 10.2 }], 1e6);
    expect(a.lambda).toBeCloseTo(
      1e6 * (PRICES.lambdaPerRequest + 0.25 * 0.011 * PRICES.lambdaArmPerGbSecond),
      6,
    );
  });

  it('prices request units, API calls and events per million flows', () => {
    const use = { ...nothing, dynamoWriteUnits: 16, dynamoReadUnits: 2, secretsApiCalls: 1, events: 1 };
    const c = invocationsCost([use], 1e6);
    expect(c.dynamo).toBeCloseTo(16 * 0.625 + 2 * 0.125, 6);
    expect(c.secrets).toBeCloseTo(5, 6);
    expect(c.eventBridge).toBeCloseTo(1, 6);
    expect(c.total).toBeCloseTo(c.lambda + c.dynamo + c.secrets + c.eventBridge, 6);
  });
});

describe('token storage trade-off', () => {
  const read: InvocationUse = {
    ...nothing,
    memoryMb: 256,
    billedMs: 30,
    dynamoReadUnits: 1,
    secretsApiCalls: 1,
  };
  const refresh: InvocationUse = {
    ...nothing,
    memoryMb: 256,
    billedMs: 400,
    dynamoWriteUnits: 6,
    dynamoReadUnits: 2,
    secretsApiCalls: 3,
  };

  it('charges every stored secret $0.40 a month in Secrets Manager', () => {
    const month = { sources: 1000, readsPerSource: 0, refreshesPerSource: 0 };
    expect(secretsManagerVault(month, read, refresh).secrets).toBeCloseTo(400, 6);
    const kms = dynamoKmsVault(month, read, refresh, { itemBytes: 3000, extraWriteUnits: 2 });
    expect(kms.secrets).toBe(0);
    expect(kms.kms).toBeCloseTo(PRICES.kmsKeyPerMonth, 6);
  });

  it('moves API calls to KMS requests and adds the larger item writes on refresh', () => {
    const month = { sources: 100, readsPerSource: 10, refreshesPerSource: 5 };
    const sm = secretsManagerVault(month, read, refresh);
    expect(sm.secrets).toBeCloseTo(100 * 0.4 + (100 * 10 * 1 + 100 * 5 * 3) * PRICES.secretsPerApiCall, 9);
    const kms = dynamoKmsVault(month, read, refresh, { itemBytes: 3000, extraWriteUnits: 2 });
    expect(kms.kms).toBeCloseTo(1 + 100 * 15 * PRICES.kmsPerRequest, 9);
    const extraWrites = 100 * 5 * 2 * PRICES.dynamoPerWriteUnit;
    const storage = ((100 * 3000) / 1e9) * PRICES.dynamoPerGbMonth;
    expect(kms.dynamo - sm.dynamo).toBeCloseTo(extraWrites + storage, 9);
    expect(kms.lambda).toBeCloseTo(sm.lambda, 9);
  });
});

describe('usd', () => {
  it('keeps cents for amounts of a dollar or more and four decimals below', () => {
    expect(usd(40126.7)).toBe('$40,126.70');
    expect(usd(0.0123)).toBe('$0.0123');
  });
});
