// Cold-start floor probe: the libraries the start handler needs (DynamoDB and Secrets Manager clients,
// Powertools Logger and Parameters), constructed, with none of our code.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';

export const dynamo = new DynamoDBClient({});
export const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
export const logger = new Logger();
export const handler = async (): Promise<number> => 1;
