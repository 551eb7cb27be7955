// The schedule of the connection refresher: an EventBridge rule every refreshIntervalMinutes.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface RefreshScheduleProps {
  readonly refresher: lambda.IFunction;
  readonly intervalMinutes: number;
}

export class RefreshSchedule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: RefreshScheduleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: `Refreshes OAuth connections every ${props.intervalMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(props.intervalMinutes)),
      // The next run picks up where this one stopped: no retries piling up behind a slow or reserved run.
      targets: [new targets.LambdaFunction(props.refresher, { retryAttempts: 0 })],
    });
  }
}
