// Grants no recorded handler call uses in a whole-suite run, each with why it stays: the unused-grants check reads this list.
import { ANY_PROVIDER_CREDENTIALS, type AllowedUnused } from './grant-records';

const MODULE_LEVEL =
  'reached by the refresher tests of lambda/tokens (runRefresher in test/integration/tokens-health.test.ts), ' +
  'which run the module without its handler on private tables';

export const ALLOWED_UNUSED: readonly AllowedUnused[] = [
  ...[
    'dynamodb:UpdateItem table/sources',
    'dynamodb:PutItem table/activity',
    'events:PutEvents bus',
    ANY_PROVIDER_CREDENTIALS,
  ].map((unit) => ({
    handler: 'connection-refresher',
    unit,
    reason: `a refresh or needs_reauth: ${MODULE_LEVEL}`,
  })),
  {
    handler: 'connection-refresher',
    unit: 'kms:Decrypt purpose:access',
    reason:
      'a refresh that lost its race to another worker hands out the saved tokens (lambda/tokens/refresh.ts ' +
      'opens the access part); no test reaches it through the refresher',
  },
  ...['token-access', 'connection-refresher'].map((handler) => ({
    handler,
    unit: 'kms:GenerateDataKey purpose:refresh',
    reason:
      'a rotated refresh token is resealed with the data key its refresh opened; a new data key only for an ' +
      "entry without one held (read through the migration fallback's secret): not reached through the handler",
  })),
];
