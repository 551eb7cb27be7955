// The oauth-states table: ephemeral items of this service (states, pending completions, refresh leases, webhook deliveries).
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLES, physicalTableName } from '../lambda/store/tables';
import type { DynamoAction } from './dynamo-actions';

const SCHEMA = TABLES['oauth-states'];

export interface OAuthStatesTableProps {
  readonly tablePrefix: string;
}

/** Owned table; every item expires (TTL attribute) and is checked for expiry in code as well. */
export class OAuthStatesTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: OAuthStatesTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: physicalTableName(props.tablePrefix, 'oauth-states'),
      partitionKey: { name: SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: SCHEMA.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Nothing here outlives a few minutes (webhook deliveries: a few days); a redeploy may recreate it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Point-in-time recovery off: items are one-time OAuth states, 5-minute pending completions, refresh leases and ' +
        'webhook delivery ids that expire by TTL; restoring them would only resurrect spent or expired tokens.',
    });
  }

  /** Exactly the listed item actions on this table. */
  grant(grantee: iam.IGrantable, ...actions: DynamoAction[]): iam.Grant {
    return this.table.grant(grantee, ...actions);
  }
}
