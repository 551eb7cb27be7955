// Stops DynamoDB Local and moto_server, so no process or port is left behind even when tests fail; then checks no grant went unused.
import type { DynamoLocal } from '../../scripts/local/dynamo-local';
import type { Moto } from './moto';
import { checkGrantRecords, type RunFilters } from './grant-check';

export default async function globalTeardown(globalConfig: RunFilters): Promise<void> {
  const dynamo = (globalThis as { __dynamoLocal?: DynamoLocal }).__dynamoLocal;
  const moto = (globalThis as { __moto?: Moto }).__moto;
  await Promise.all([dynamo?.stop(), moto?.stop()]);
  // After the emulators are stopped, so a red check leaves no process behind.
  checkGrantRecords(globalConfig);
}
