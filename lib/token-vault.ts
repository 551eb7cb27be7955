// The token vault: a secret per source at sources/{accountId}/{sourceId}/oauth-tokens, created by the handlers at run time.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { HandlerFunction } from './handler-function';

/** Secrets Manager actions handlers may be granted on the vault; never `secretsmanager:*`. */
export type VaultAction =
  | 'secretsmanager:CreateSecret'
  | 'secretsmanager:PutSecretValue'
  | 'secretsmanager:GetSecretValue'
  | 'secretsmanager:DeleteSecret'
  | 'secretsmanager:RestoreSecret'
  | 'secretsmanager:DescribeSecret'
  | 'secretsmanager:TagResource';

/** Name prefix of the per-source token secrets (lambda/store/vault.ts). */
export const VAULT_PREFIX = 'sources/';

/** An ARN as cdk-nag names it in a finding id: literals kept, `{ Ref: X }` written `<X>`. */
function nagResource(stack: Stack, arn: string): string {
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    if (part && typeof part === 'object' && 'Ref' in part)
      return `<${String((part as { Ref: unknown }).Ref)}>`;
    if (part && typeof part === 'object' && 'Fn::Join' in part) {
      const [separator, parts] = (part as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.map(render).join(separator);
    }
    throw new Error(`cannot name ${JSON.stringify(part)} for cdk-nag`);
  };
  return render(stack.resolve(arn));
}

export class TokenVault extends Construct {
  /** ARN pattern of every token secret of this account and region (and only of token secrets). */
  readonly secretsArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secretsArn = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      // sources/{accountId}/{sourceId}/oauth-tokens and Secrets Manager's six-character suffix: nothing else under
      // sources/ (another service's secrets there stay out of reach).
      resourceName: `${VAULT_PREFIX}*/oauth-tokens-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Exactly the listed actions on the token secrets, acknowledged for cdk-nag with the reason the prefix is needed. */
  grant(fn: HandlerFunction, ...actions: VaultAction[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [this.secretsArn] });
    fn.acknowledge(
      `AwsSolutions-IAM5[Resource::${nagResource(Stack.of(this), this.secretsArn)}]`,
      'Token secrets are created at run time, one per connected source (sources/{accountId}/{sourceId}/oauth-tokens), ' +
        'so their names are not known at deploy time; the grant is limited to sources/*/oauth-tokens-?????? and to the listed actions.',
    );
    return grant;
  }
}
