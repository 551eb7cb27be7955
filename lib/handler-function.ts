// A handler of this service: NodejsFunction with the runtime, architecture, log group, bundling and grants baked in once.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { handlerEntry, nodejsBundling } from './bundling';

/** Name the Powertools Logger stamps on every log line of this service. */
export const SERVICE_NAME = 'listbackup-integrations';

/** The newest Node.js runtime this CDK version knows (cdk-nag AwsSolutions-L1 checks exactly that). */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface HandlerFunctionProps {
  /** Entry file name under lambda/handlers, without `.ts`. */
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Environment shared by the handlers (stage, prefixes, URLs): never a secret value. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetentionDays: logs.RetentionDays;
  readonly reservedConcurrentExecutions?: number;
  readonly description?: string;
}

/**
 * NodejsFunction with its own role (log permissions on its own log group only, no managed policy)
 * and its own log group with the stage's retention.
 * @example new HandlerFunction(this, 'OAuthStart', { handler: 'oauth-start', memorySize: 256, timeout: Duration.seconds(10), ... })
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    // Logs outlive the stack (an incident may be read after a teardown), but not a failed first create.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} handler`,
    });
    super(scope, id, {
      entry: handlerEntry(props.handler),
      handler: 'handler',
      description: props.description,
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // Source maps ship next to each bundle for reading stack traces offline, but Node's runtime source-map
      // support (NODE_OPTIONS=--enable-source-maps) stays off: it cost ~0.5x a bare Node on every cold start
      // (docs/performance.md), and the logs carry error names and ids, not stack traces.
      bundling: nodejsBundling(),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        LOG_LEVEL: 'INFO',
      },
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group of the account): write to this group only.
    logGroup.grantWrite(role);
  }

  /**
   * Lets exactly these IAM roles invoke the function (a resource-based permission a role ARN each),
   * so other services call it with IAM and not over the public API.
   */
  allowInvokeBy(roleArns: readonly string[]): void {
    roleArns.forEach((arn, i) => {
      this.addPermission(`InvokeBy${i}`, {
        principal: new iam.ArnPrincipal(arn),
        action: 'lambda:InvokeFunction',
      });
    });
  }

  /** Records why a cdk-nag finding on this function (or its role's policy) is accepted. */
  acknowledge(id: string, reason: string): void {
    Validations.of(this.role ?? this).acknowledge({ id, reason });
  }
}
