// The SNS topic the stage's alarms notify: created (encrypted, TLS only, optional e-mail) or imported by ARN.
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  readonly stage: string;
  /** Use this existing topic instead of creating one. */
  readonly importArn?: string;
  /** Subscribe this e-mail address to the created topic. */
  readonly email?: string;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.ITopic;
  /** True when the stack created the topic (false: imported). */
  readonly created: boolean;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.importArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'Imported', props.importArn);
      this.created = false;
      return;
    }
    // CloudWatch alarms can publish to an encrypted topic only with a customer managed key that lets
    // cloudwatch.amazonaws.com use it (the AWS managed SNS key does not).
    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.stage} integrations alarm topic`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      displayName: `ListBackup integrations alarms (${props.stage})`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': topic.stack.account } },
      }),
    );
    if (props.email) topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    this.topic = topic;
    this.created = true;
  }
}
