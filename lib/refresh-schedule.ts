// The schedule of the connection refresher: an EventBridge rule every refreshIntervalMinutes; failed runs land in a queue.
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface RefreshScheduleProps {
  readonly refresher: lambda.IFunction;
  readonly intervalMinutes: number;
}

export class RefreshSchedule extends Construct {
  readonly rule: events.Rule;
  /** Failed refresher invocations (the function failed, or EventBridge could not invoke it): alarmed on. */
  readonly failures: sqs.Queue;

  constructor(scope: Construct, id: string, props: RefreshScheduleProps) {
    super(scope, id);
    this.failures = new sqs.Queue(this, 'FailedInvocations', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the failure destination of the refresher; an alarm fires on its first message and an operator reads it.',
    });
    // An async invocation that fails is not retried (the next scheduled run continues) but recorded here.
    new lambda.EventInvokeConfig(this, 'InvokeConfig', {
      function: props.refresher,
      retryAttempts: 0,
      onFailure: new destinations.SqsDestination(this.failures),
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: `Refreshes OAuth connections every ${props.intervalMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(props.intervalMinutes)),
      // The next run picks up where this one stopped: no retries piling up behind a slow or reserved run.
      targets: [
        new targets.LambdaFunction(props.refresher, { retryAttempts: 0, deadLetterQueue: this.failures }),
      ],
    });
  }
}
