// The cost lines: one million flows and a month of token use, from the measured calls and request units.
import { HANDLERS } from '../../lib/handler-specs';
import {
  PRICES,
  dynamoKmsVault,
  invocationsCost,
  secretsManagerVault,
  usd,
  type InvocationUse,
} from './cost';
import { countOf, type Measured } from './measure-calls';
import { simulateRefreshes } from './refresh-month';
import { print } from './report';
import { markdownTable, ms } from './stats';

/** Billed durations assumed in AWS for the cost lines (real network round trips, not loopback). */
const AWS_BILLED_MS: Record<string, number> = {
  'oauth-start': 25,
  'oauth-callback': 400,
  'oauth-complete': 150,
  'token-access read': 30,
  'token-access refresh': 400,
};

export function costs(uses: Record<string, Measured>, warmWallMs: Record<string, number>): void {
  const use = (key: string, handler: string, billed: string): InvocationUse => {
    const m = uses[key];
    return {
      memoryMb: HANDLERS[handler as keyof typeof HANDLERS].memorySize,
      billedMs: AWS_BILLED_MS[billed],
      dynamoWriteUnits: m.writeUnits,
      dynamoReadUnits: m.readUnits,
      secretsApiCalls: countOf(m.calls, 'SecretsManager'),
      events: countOf(m.calls, 'EventBridge'),
    };
  };
  const flowUses = [
    use('oauth-start warm', 'oauth-start', 'oauth-start'),
    use('oauth-callback warm', 'oauth-callback', 'oauth-callback'),
    use('oauth-complete warm', 'oauth-complete', 'oauth-complete'),
  ];
  const perMillion = invocationsCost(flowUses, 1e6);
  const newSecrets = 1e6 * PRICES.secretPerMonth;
  print('## Cost');
  print();
  print(
    `US East prices (see docs/cost-model.md), warm call counts and request units measured above, billed durations ` +
      `assumed for AWS (start ${AWS_BILLED_MS['oauth-start']} ms, callback ${AWS_BILLED_MS['oauth-callback']} ms, ` +
      `complete ${AWS_BILLED_MS['oauth-complete']} ms; locally the warm start takes ${ms(warmWallMs['oauth-start'])} ` +
      `and the callback ${ms(warmWallMs['oauth-callback'])} at p50 on loopback).`,
  );
  print();
  print(
    markdownTable(
      [
        'one million flows',
        'Lambda',
        'DynamoDB',
        'Secrets Manager API',
        'EventBridge',
        'total',
        '+ secrets stored',
      ],
      [
        [
          'start + callback + complete',
          usd(perMillion.lambda),
          usd(perMillion.dynamo),
          usd(perMillion.secrets),
          usd(perMillion.eventBridge),
          usd(perMillion.total),
          `${usd(newSecrets)} a month for the 1,000,000 new token secrets`,
        ],
      ],
    ),
  );
  print();
  const read = use('token-access read warm', 'token-access', 'token-access read');
  const refresh = use('token-access refresh warm', 'token-access', 'token-access refresh');
  const rows: string[][] = [];
  for (const sources of [1_000, 100_000]) {
    // Refreshes as the simulated month counts them for a Google source (1 h access tokens): token access
    // refreshes on demand, the refresher only keeps unused refresh tokens alive (scripts/bench/refresh-month.ts).
    const refreshes = (everyMs: number) => {
      const m = simulateRefreshes('google', { kind: 'every', everyMs });
      return m.scheduled + m.onDemand;
    };
    for (const [label, readsPerSource, refreshesPerSource] of [
      ['daily backups', 120, refreshes(86_400_000)],
      ['hourly syncs', 720, refreshes(3_600_000)],
    ] as const) {
      const month = { sources, readsPerSource, refreshesPerSource };
      const sm = secretsManagerVault(month, read, refresh);
      const kms = dynamoKmsVault(month, read, refresh, { itemBytes: 3000, extraWriteUnits: 2 });
      rows.push([
        sources.toLocaleString('en-US'),
        `${label}: ${readsPerSource} reads + ${refreshesPerSource} refreshes`,
        usd(sm.total),
        usd(sources * PRICES.secretPerMonth),
        usd(kms.total),
        usd(kms.kms),
      ]);
    }
  }
  print(
    markdownTable(
      [
        'connected sources',
        'per source a month',
        'Secrets Manager vault, total',
        'of which secrets stored',
        'DynamoDB + KMS, total',
        'of which KMS',
      ],
      rows,
    ),
  );
  print();
}
