// Secrets Manager access of the tool: describe, read, write one secret, with errors turned into operator advice.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CliError, EXIT } from './errors';

/** What the tool needs from the stage: where the secrets live and whether the stack creates them. */
export interface StoreContext {
  stage: string;
  region: string;
  importClientSecrets: boolean;
}

export interface SecretDescription {
  lastChanged?: Date;
  /** The secret is scheduled for deletion (DescribeSecret DeletedDate). */
  deleted: boolean;
}

/** The three operations the tool performs; values pass through but are never logged here. */
export interface SecretStore {
  /** undefined when the secret does not exist. */
  describe(name: string): Promise<SecretDescription | undefined>;
  /** The current value; undefined when the secret does not exist. */
  read(name: string): Promise<string | undefined>;
  /** Creates a new AWSCURRENT version; throws a CliError when the secret does not exist. */
  write(name: string, value: string): Promise<void>;
}

/** Advice for a secret that is not there yet, depending on whether the stack creates or imports the secrets. */
export function notDeployedAdvice(names: readonly string[], context: StoreContext): string {
  const list = names.map((n) => `  - ${n}`).join('\n');
  const how = context.importClientSecrets
    ? `stage ${context.stage} sets importClientSecrets: true, so the stack does not create them. Create each once, e.g.\n` +
      `  aws secretsmanager create-secret --region ${context.region} --name <name> --secret-string PLACEHOLDER\n` +
      'then run this command again.'
    : `deploy the stack for stage ${context.stage} first (npx cdk deploy -c stage=${context.stage}); it creates them ` +
      'with a placeholder value. Then run this command again.';
  return `secret(s) not found in ${context.region}:\n${list}\n${how}`;
}

const errorName = (error: unknown): string => (error as { name?: string }).name ?? 'Error';

/** Turns an SDK error of `action` on `name` into a CliError that says what to do. Secret values never appear in SDK errors. */
export function awsFailure(error: unknown, action: string, name: string, context: StoreContext): CliError {
  const code = errorName(error);
  const said = (error as Error).message;
  if (code === 'AccessDeniedException' || code === 'AccessDenied') {
    return new CliError(
      `not allowed: your AWS identity may not call secretsmanager:${action} on ${name} in ${context.region}. ` +
        `Grant secretsmanager:${action} on arn:aws:secretsmanager:${context.region}:<account>:secret:${name}-* ` +
        `(and kms:Decrypt / kms:GenerateDataKey if the secret uses a customer-managed key), or use a profile that has it. AWS said: ${said}`,
      EXIT.aws,
      { cause: error },
    );
  }
  if (code === 'ResourceNotFoundException')
    return new CliError(notDeployedAdvice([name], context), EXIT.aws, { cause: error });
  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(said)) {
    return new CliError(
      'no AWS credentials found: set AWS_PROFILE (and run aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
      EXIT.aws,
      { cause: error },
    );
  }
  if (['UnrecognizedClientException', 'ExpiredTokenException', 'InvalidSignatureException'].includes(code)) {
    return new CliError(
      `AWS rejected your credentials (${code}): refresh them (aws sso login) and try again`,
      EXIT.aws,
      {
        cause: error,
      },
    );
  }
  if (code === 'InvalidRequestException' && /delet/i.test(said)) {
    return new CliError(
      `${name} is scheduled for deletion: restore it first (aws secretsmanager restore-secret --region ${context.region} --secret-id ${name})`,
      EXIT.aws,
      { cause: error },
    );
  }
  return new CliError(`secretsmanager:${action} on ${name} failed: ${code}: ${said}`, EXIT.aws, {
    cause: error,
  });
}

/**
 * A SecretStore over a SecretsManagerClient (the stage's region, the default credential chain, and
 * AWS_ENDPOINT_URL_SECRETS_MANAGER as the SDK reads it).
 * @example const store = awsSecretStore(new SecretsManagerClient({ region }), { stage, region, importClientSecrets })
 */
export function awsSecretStore(client: SecretsManagerClient, context: StoreContext): SecretStore {
  const notFound = (error: unknown) => errorName(error) === 'ResourceNotFoundException';
  return {
    async describe(name) {
      try {
        const out = await client.send(new DescribeSecretCommand({ SecretId: name }));
        return {
          lastChanged: out.LastChangedDate ?? out.CreatedDate,
          deleted: out.DeletedDate !== undefined,
        };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw awsFailure(error, 'DescribeSecret', name, context);
      }
    },
    async read(name) {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
        return out.SecretString ?? '';
      } catch (error) {
        if (notFound(error)) return undefined;
        throw awsFailure(error, 'GetSecretValue', name, context);
      }
    },
    async write(name, value) {
      try {
        await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      } catch (error) {
        throw awsFailure(error, 'PutSecretValue', name, context);
      }
    },
  };
}
