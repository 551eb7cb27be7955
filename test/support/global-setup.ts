// Starts DynamoDB Local once for the whole test run and creates every table under the test prefix.
import { createTables, startDynamoLocal } from '../../scripts/local/dynamo-local';
import { TEST_TABLE_PREFIX } from './constants';

export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoLocal();
  await createTables(dynamo.endpoint, TEST_TABLE_PREFIX);
  process.env.TEST_DYNAMO_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamoLocal?: unknown }).__dynamoLocal = dynamo;
}
