// AWS SDK clients, created once per container and reused across invocations.
// Endpoints honour AWS_ENDPOINT_URL_DYNAMODB / _SECRETS_MANAGER / _EVENTBRIDGE (the SDK reads them itself).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const common = { maxAttempts: 3 } as const;

export const dynamo = /* @__PURE__ */ new DynamoDBClient(common);
export const secrets = /* @__PURE__ */ new SecretsManagerClient(common);
export const events = /* @__PURE__ */ new EventBridgeClient(common);
