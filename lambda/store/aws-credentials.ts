// The AWS credentials of a handler, in place of the SDK's default chain (swapped in at bundle time, lib/bundling.ts).
// Lambda hands the execution role's credentials to the function in its environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html);
// a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI) is the one other source a
// handler can meet. The SDK's default chain (@aws-sdk/credential-provider-node) also bundles SSO, INI profiles,
// credential_process, web identity and IMDS with their STS and SSO clients: about 130 KB of a 400 KB handler bundle
// that no Lambda invocation runs, and about a sixth of its import time (docs/performance.md).
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

const CONTAINER_URIS = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

/** Credentials that expire within this window are fetched again (the SDK default chain uses the same 5 minutes). */
export const REFRESH_WINDOW_MS = 5 * 60 * 1000;

/** What the SDK passes its credential provider (the part read here). */
export interface CredentialsInit {
  logger?: Logger;
}

const fresh = (c: AwsCredentialIdentity | undefined, now: number): c is AwsCredentialIdentity =>
  c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now > REFRESH_WINDOW_MS);

/**
 * Same name and shape as `defaultProvider` of @aws-sdk/credential-provider-node: the environment first, then the
 * container endpoint when one is set, else an error that says where credentials were looked for. The answer is
 * kept until five minutes before it expires (environment credentials without AWS_CREDENTIAL_EXPIRATION: for good),
 * and concurrent first calls share one lookup.
 */
export function defaultProvider(init: CredentialsInit = {}): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const lookup = async (): Promise<AwsCredentialIdentity> => {
    if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY)
      return fromEnv({ logger: init.logger })();
    if (CONTAINER_URIS.some((name) => process.env[name])) return fromHttp({ logger: init.logger })();
    throw new Error(
      'no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the ' +
        'execution role) and neither is AWS_CONTAINER_CREDENTIALS_FULL_URI nor _RELATIVE_URI',
    );
  };
  return async () => {
    if (fresh(current, Date.now())) return current;
    pending ??= lookup().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
}
