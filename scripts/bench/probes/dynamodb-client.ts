// Cold-start floor probe: a bundle that only constructs the SDK's DynamoDB client (what any handler here needs).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const client = new DynamoDBClient({});
export const handler = async (): Promise<number> => 1;
