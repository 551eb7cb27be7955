// AWS SDK clients, created once per container and reused across invocations, each call bounded in time.
// Endpoints honour AWS_ENDPOINT_URL_DYNAMODB / _SECRETS_MANAGER / _EVENTBRIDGE / _KMS (the SDK reads them itself).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWS_MAX_ATTEMPTS, AWS_REQUEST_TIMEOUT_MS } from '../shared/aws-limits';

export { AWS_CALL_MAX_MS, AWS_MAX_ATTEMPTS, AWS_REQUEST_TIMEOUT_MS } from '../shared/aws-limits';

/**
 * The request timeout in force: AWS_REQUEST_TIMEOUT_MS, or a longer one from LISTBACKUP_AWS_REQUEST_TIMEOUT_MS
 * where emulators on a loaded machine answer slower than AWS does (the test setup sets it; never a stage).
 */
function requestTimeoutMs(): number {
  const override = Number(process.env.LISTBACKUP_AWS_REQUEST_TIMEOUT_MS);
  return Number.isInteger(override) && override > AWS_REQUEST_TIMEOUT_MS ? override : AWS_REQUEST_TIMEOUT_MS;
}

/** The options every client of the service is built with (a new client takes the same). */
export const CLIENT_OPTIONS = {
  maxAttempts: AWS_MAX_ATTEMPTS,
  requestHandler: {
    connectionTimeout: 1_000,
    requestTimeout: requestTimeoutMs(),
    // Without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
    throwOnRequestTimeout: true,
  },
} as const;

export const dynamo = /* @__PURE__ */ new DynamoDBClient(CLIENT_OPTIONS);
/**
 * The table adapters' client: plain values in and out (the SDK marshals), on `dynamo`'s connection and settings.
 * An undefined field is left out of an item, as an absent attribute; Uint8Array stays binary (B).
 */
export const documents = /* @__PURE__ */ DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
export const secrets = /* @__PURE__ */ new SecretsManagerClient(CLIENT_OPTIONS);
export const events = /* @__PURE__ */ new EventBridgeClient(CLIENT_OPTIONS);
export const kms = /* @__PURE__ */ new KMSClient(CLIENT_OPTIONS);
