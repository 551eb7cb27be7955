// The AWS clients of the preflight (stage region, default credential chain, AWS_ENDPOINT_URL_* honoured) and
// how an SDK error becomes an `unchecked` finding.
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { Finding } from './findings';

/** One client a service the preflight reads. */
export interface PreflightClients {
  readonly apigw: ApiGatewayV2Client;
  readonly cfn: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamo: DynamoDBClient;
  readonly events: EventBridgeClient;
  readonly kms: KMSClient;
  readonly lambda: LambdaClient;
  readonly secrets: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
}

/** Clients in `region` with the default credential chain. */
export function preflightClients(region: string): PreflightClients {
  const config = { region, maxAttempts: 3 };
  return {
    apigw: new ApiGatewayV2Client(config),
    cfn: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamo: new DynamoDBClient(config),
    events: new EventBridgeClient(config),
    kms: new KMSClient(config),
    lambda: new LambdaClient(config),
    secrets: new SecretsManagerClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
  };
}

export function destroyClients(clients: PreflightClients): void {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
}

export const errorName = (error: unknown): string => (error as { name?: string })?.name ?? 'Error';

/** The error is the service's "no such thing" answer. */
export function isNotFound(error: unknown): boolean {
  return ['NotFoundException', 'ResourceNotFoundException', 'ParameterNotFound'].includes(errorName(error));
}

/** An SDK failure of `action` as a finding that says what would let the check run. */
export function unchecked(check: string, subject: string, action: string, error: unknown): Finding {
  const name = errorName(error);
  const said = (error as Error)?.message ?? String(error);
  let fix: string;
  if (/AccessDenied|UnauthorizedOperation|AuthorizationError/.test(name)) {
    fix = `allow ${action} for your identity (the preflight needs read access only), or use a profile that has it`;
  } else if (name === 'CredentialsProviderError' || /could not load credentials/i.test(said)) {
    fix =
      'no AWS credentials found: set AWS_PROFILE (and run aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
  } else if (
    ['UnrecognizedClientException', 'ExpiredTokenException', 'InvalidClientTokenId'].includes(name)
  ) {
    fix = `AWS rejected your credentials (${name}): refresh them (aws sso login) and run again`;
  } else {
    fix = `run again; if it persists, check ${action} by hand`;
  }
  return { check, status: 'unchecked', subject, message: `${action} failed: ${name}: ${said}`, fix };
}
