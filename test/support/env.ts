// Handler environment for every test file (handlers read it once at import), pointed at DynamoDB Local and moto's KMS.
import { ENV } from '../../lambda/shared/env-names';
import {
  TEST_API_URL,
  TEST_APP_URL,
  TEST_BUS,
  TEST_SECRET_PREFIX,
  TEST_STAGE,
  TEST_TABLE_PREFIX,
  TEST_TOKEN_VAULT,
} from './constants';

process.env[ENV.stage] = TEST_STAGE;
process.env[ENV.tablePrefix] = TEST_TABLE_PREFIX;
process.env[ENV.eventBusName] = TEST_BUS;
process.env[ENV.apiUrl] = TEST_API_URL;
process.env[ENV.appUrl] = TEST_APP_URL;
process.env[ENV.secretPrefix] = TEST_SECRET_PREFIX;
process.env.AWS_REGION = 'us-west-2';
// The Stripe fixtures are test-mode events (livemode: false), as on the dev stage.
process.env[ENV.stripeMode] = 'test';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.POWERTOOLS_DEV = 'false';
// Metric lines would fill the test output; the tests of the metrics turn them back on and read them.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// This machine runs Node 20; the Lambda runtime is Node 24. The SDK's reminder is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (process.env.TEST_DYNAMO_ENDPOINT)
  process.env.AWS_ENDPOINT_URL_DYNAMODB = process.env.TEST_DYNAMO_ENDPOINT;
// DynamoDB Local and the stand-ins on a loaded 2-core machine can take seconds where AWS takes milliseconds; the
// production bound (2 s, lambda/shared/aws-limits.ts) is tested on its own in test/integration/aws-clients.test.ts.
process.env.LISTBACKUP_AWS_REQUEST_TIMEOUT_MS = '10000';
if (process.env.TEST_KMS_ENDPOINT) process.env.AWS_ENDPOINT_URL_KMS = process.env.TEST_KMS_ENDPOINT;
// The default vault; a test file of the secrets-manager backend sets TOKEN_VAULT before importing handlers.
process.env[ENV.tokenVault] = TEST_TOKEN_VAULT.backend;
process.env[ENV.tokenKeyId] = process.env.TEST_TOKEN_KEY_ID ?? 'alias/listbackup-integrations/test/tokens';
