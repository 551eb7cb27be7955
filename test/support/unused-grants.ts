// Grants no recorded handler call uses in a whole-suite run, each with why it stays: the unused-grants check reads this list.
import { ANY_PROVIDER_CREDENTIALS, type AllowedUnused } from './grant-records';

const CACHED =
  'read through the container cache of client credentials (lambda/store/client-credentials.ts), which the ' +
  'start or callback of the same test file filled; in AWS each function has its own container and reads them';
const MODULE_LEVEL =
  'reached by tests of lambda/tokens (createTokenAccess, runRefresher in test/integration/tokens-*.test.ts), ' +
  'which call the module without its handler';

export const ALLOWED_UNUSED: readonly AllowedUnused[] = [
  ...['oauth-complete', 'token-access', 'connection-refresher', 'connection-disconnect'].map((handler) => ({
    handler,
    unit: ANY_PROVIDER_CREDENTIALS,
    reason: CACHED,
  })),
  ...['token-access', 'connection-refresher'].flatMap((handler) => [
    { handler, unit: 'dynamodb:GetItem table/oauth-states', reason: `lease wait: ${MODULE_LEVEL}` },
    { handler, unit: 'dynamodb:UpdateItem table/sources', reason: `needs_reauth: ${MODULE_LEVEL}` },
    { handler, unit: 'dynamodb:PutItem table/activity', reason: `needs_reauth: ${MODULE_LEVEL}` },
    { handler, unit: 'events:PutEvents bus', reason: `needs_reauth: ${MODULE_LEVEL}` },
    {
      handler,
      unit: 'kms:GenerateDataKey purpose:refresh',
      reason: `a rotated refresh token: ${MODULE_LEVEL}`,
    },
  ]),
  {
    handler: 'connection-refresher',
    unit: 'kms:Decrypt purpose:access',
    reason:
      'a refresh that lost its race to another worker hands out the saved tokens (lambda/tokens/refresh.ts ' +
      'opens the access part); no test reaches it through the refresher',
  },
];
