// Values shared by the test support files.
export const TEST_TABLE_PREFIX = 'lbtest';
export const TEST_API_URL = 'https://api.test.listbackup.invalid';
export const TEST_APP_URL = 'https://app.test.listbackup.invalid';
export const TEST_BUS = 'listbackup-test-events';
export const TEST_SECRET_PREFIX = 'app/oauth';
export const TEST_STAGE = 'test';
/** The token vault every test file runs in unless it sets its own (test/support/env.ts). */
export const TEST_TOKEN_VAULT = { backend: 'dynamodb-kms', readFallback: false } as const;
