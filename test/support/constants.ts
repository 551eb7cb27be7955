// Values shared by the test support files.
export const TEST_TABLE_PREFIX = 'lbtest';
export const TEST_API_URL = 'https://api.test.listbackup.invalid';
export const TEST_APP_URL = 'https://app.test.listbackup.invalid';
export const TEST_BUS = 'listbackup-test-events';
export const TEST_SECRET_PREFIX = 'app/oauth';
export const TEST_STAGE = 'test';
