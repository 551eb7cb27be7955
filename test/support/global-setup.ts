// Starts DynamoDB Local (every table under the test prefix) and moto_server once for the whole test run; moto's KMS holds the test stage's token key. Prepares the folder of recorded AWS calls.
import { createTables, startDynamoLocal } from '../../scripts/local/dynamo-local';
import { ensureTokenKey } from '../../scripts/local/kms-local';
import { TEST_STAGE, TEST_TABLE_PREFIX } from './constants';
import { startMoto } from './moto';
import { prepareGrantRecords } from './grant-check';

export default async function globalSetup(): Promise<void> {
  prepareGrantRecords();
  const [dynamo, moto] = await Promise.all([startDynamoLocal(), startMoto()]);
  process.env.TEST_MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { __moto?: unknown }).__moto = moto;
  await createTables(dynamo.endpoint, TEST_TABLE_PREFIX);
  process.env.TEST_DYNAMO_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamoLocal?: unknown }).__dynamoLocal = dynamo;
  // The vault's KMS is moto's (one moto_server answers every service it emulates).
  process.env.TEST_KMS_ENDPOINT = moto.endpoint;
  process.env.TEST_TOKEN_KEY_ID = await ensureTokenKey(moto.endpoint, TEST_STAGE);
}
