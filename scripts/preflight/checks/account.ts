// The account: whose credentials these are, whether the stack name is free or ours, room for our reserved
// concurrency, and the CDK bootstrap the deploy assumes.
import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { reservedTotal } from '../../../lib/handler-specs';
import { accountProblem } from '../../../lib/stage-rules';
import { errorName, isNotFound, unchecked } from '../aws';
import { physicalIds, type CheckContext, type DeployedStack } from '../context';
import { fail, info, ok, type Finding } from '../findings';

/** Lambda refuses a reservation that leaves the account fewer unreserved executions than this (Lambda developer guide). */
export const LAMBDA_MIN_UNRESERVED = 100;

/** The stack description bin/integrations.ts gives: how a stack of this app is told from another of the same name. */
export const STACK_DESCRIPTION_PREFIX = 'ListBackup integrations:';

/** CDK's default bootstrap qualifier (the app does not change it). */
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';
/** Oldest bootstrap version this CDK version's templates accept. */
export const MIN_BOOTSTRAP_VERSION = 6;

export async function callerAccount(
  ctx: Omit<CheckContext, 'account'>,
): Promise<{ account?: string; findings: Finding[] }> {
  const subject = 'AWS credentials';
  try {
    const id = await ctx.clients.sts.send(new GetCallerIdentityCommand({}));
    const account = id.Account ?? '';
    const problem = accountProblem(ctx.settings, account, ctx.stages);
    return {
      account,
      findings: [
        problem
          ? fail(
              'account.caller',
              subject,
              problem,
              'run the preflight and the deploy with the stage account\u2019s credentials',
            )
          : ok('account.caller', subject, `account ${account} (${id.Arn ?? 'unknown principal'})`),
      ],
    };
  } catch (error) {
    return { findings: [unchecked('account.caller', subject, 'sts:GetCallerIdentity', error)] };
  }
}

async function stackResources(ctx: Omit<CheckContext, 'account' | 'stack'>): Promise<StackResourceSummary[]> {
  const all: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.clients.cfn.send(
      new ListStackResourcesCommand({ StackName: ctx.stackName, NextToken }),
    );
    all.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}

/** Our stack if it exists and is ours; a finding when the name is taken by another or the stack cannot be deployed over. */
export async function stackState(
  ctx: Omit<CheckContext, 'account' | 'stack'>,
): Promise<{ stack?: DeployedStack; phase: 'first-deploy' | 'deployed' | 'unknown'; findings: Finding[] }> {
  const name = ctx.stackName;
  const subject = `stack ${name}`;
  const region = ctx.settings.region;
  try {
    const { Stacks } = await ctx.clients.cfn.send(new DescribeStacksCommand({ StackName: name }));
    const found = Stacks?.[0];
    if (!found)
      throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
    const status = found.StackStatus ?? 'UNKNOWN';
    if (!(found.Description ?? '').startsWith(STACK_DESCRIPTION_PREFIX)) {
      return {
        phase: 'unknown',
        findings: [
          fail(
            'stack.foreign',
            subject,
            `exists (${status}) but was not created by this app (description "${found.Description ?? ''}"): ` +
              'the deploy would update it in place, e.g. the earlier Serverless service of the same name',
            `move the old service off this name first (migrate or remove it: aws cloudformation delete-stack --region ${region} ` +
              `--stack-name ${name}, after saving what it holds), or deploy this stage into its own account`,
          ),
        ],
      };
    }
    if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
      return {
        phase: 'first-deploy',
        findings: [
          fail(
            'stack.rollback',
            subject,
            `is ${status}: its first create failed and rolled back; CloudFormation cannot update it`,
            `delete it (aws cloudformation delete-stack --region ${region} --stack-name ${name}; it retains nothing), ` +
              'fix what failed (this preflight, then the stack events), and deploy again',
          ),
        ],
      };
    }
    if (status.endsWith('_IN_PROGRESS')) {
      return {
        phase: 'deployed',
        findings: [
          fail('stack.busy', subject, `is ${status}`, 'wait until it settles, then run the preflight again'),
        ],
      };
    }
    const resources = (await stackResources(ctx)).map((r) => ({
      logicalId: r.LogicalResourceId ?? '',
      physicalId: r.PhysicalResourceId ?? '',
      type: r.ResourceType ?? '',
    }));
    return {
      stack: { status, resources },
      phase: 'deployed',
      findings: [ok('stack', subject, `${status}, created by this app (${resources.length} resources)`)],
    };
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      return {
        phase: 'first-deploy',
        findings: [ok('stack', subject, 'does not exist yet: the next deploy is a first deploy')],
      };
    }
    return {
      phase: 'unknown',
      findings: [unchecked('stack', subject, 'cloudformation:DescribeStacks', error)],
    };
  }
}

/** Room for our reservations: what is unreserved now, plus what our deployed functions already hold. */
export async function concurrencyFindings(ctx: CheckContext): Promise<Finding[]> {
  const needed = reservedTotal(ctx.settings.reservedConcurrency);
  const subject = 'Lambda concurrency';
  try {
    const { AccountLimit } = await ctx.clients.lambda.send(new GetAccountSettingsCommand({}));
    const limit = AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    const held = await Promise.all(
      physicalIds(ctx.stack, 'AWS::Lambda::Function').map(async (FunctionName) => {
        const out = await ctx.clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName }));
        return out.ReservedConcurrentExecutions ?? 0;
      }),
    );
    const available = unreserved + held.reduce((a, b) => a + b, 0);
    if (needed === 0) {
      return [
        info(
          'concurrency',
          subject,
          `the stage reserves none (account limit ${limit}, unreserved ${unreserved})`,
        ),
      ];
    }
    if (available - needed >= LAMBDA_MIN_UNRESERVED) {
      return [
        ok('concurrency', subject, `reserving ${needed} leaves ${available - needed} unreserved of ${limit}`),
      ];
    }
    const requestAtLeast = limit - available + needed + LAMBDA_MIN_UNRESERVED;
    return [
      fail(
        'concurrency',
        subject,
        `the stage reserves ${needed} (reservedConcurrency in lib/stages.ts), but the account has ${available} to give ` +
          `and Lambda keeps at least ${LAMBDA_MIN_UNRESERVED} unreserved (limit ${limit})`,
        `request a "Concurrent executions" quota of at least ${requestAtLeast} in ${ctx.settings.region} (Service Quotas, ` +
          `AWS Lambda, code L-B99A9384), or lower or remove reservedConcurrency for stage ${ctx.settings.stage} until it is granted`,
      ),
    ];
  } catch (error) {
    return [
      unchecked('concurrency', subject, 'lambda:GetAccountSettings and lambda:GetFunctionConcurrency', error),
    ];
  }
}

/** The CDK bootstrap stack exists in a recent enough version and the deploying identity can assume its roles. */
export async function bootstrapFindings(ctx: CheckContext): Promise<Finding[]> {
  const { region } = ctx.settings;
  const account = ctx.account;
  if (!account) return [];
  const bootstrap = `npx cdk bootstrap aws://${account}/${region}`;
  const parameter = `/cdk-bootstrap/${BOOTSTRAP_QUALIFIER}/version`;
  const findings: Finding[] = [];
  try {
    const { Parameter } = await ctx.clients.ssm.send(new GetParameterCommand({ Name: parameter }));
    const version = Number(Parameter?.Value);
    findings.push(
      version >= MIN_BOOTSTRAP_VERSION
        ? ok('bootstrap.version', `CDK bootstrap in ${region}`, `version ${version}`)
        : fail(
            'bootstrap.version',
            `CDK bootstrap in ${region}`,
            `version ${Parameter?.Value ?? '?'} is older than ${MIN_BOOTSTRAP_VERSION}`,
            `update it: ${bootstrap}`,
          ),
    );
  } catch (error) {
    if (isNotFound(error)) {
      return [
        fail(
          'bootstrap.version',
          `CDK bootstrap in ${region}`,
          `account ${account} is not bootstrapped in ${region} (no ${parameter})`,
          `run once per account and region: ${bootstrap}`,
        ),
      ];
    }
    findings.push(
      unchecked('bootstrap.version', `CDK bootstrap in ${region}`, `ssm:GetParameter on ${parameter}`, error),
    );
  }
  // AssumeRole creates no resource: it hands out short-lived credentials, which are dropped unused.
  const roles = ['deploy', 'file-publishing'].map(
    (kind) => `arn:aws:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-${kind}-role-${account}-${region}`,
  );
  for (const RoleArn of roles) {
    const subject = `bootstrap role ${RoleArn.split('/')[1]}`;
    try {
      await ctx.clients.sts.send(
        new AssumeRoleCommand({ RoleArn, RoleSessionName: 'listbackup-preflight', DurationSeconds: 900 }),
      );
      findings.push(ok('bootstrap.roles', subject, 'your identity can assume it'));
    } catch (error) {
      const name = errorName(error);
      findings.push(
        name === 'AccessDenied' || name === 'AccessDeniedException'
          ? fail(
              'bootstrap.roles',
              subject,
              'your identity may not assume it, so cdk deploy cannot',
              `allow sts:AssumeRole on ${RoleArn} for your identity (or re-run ${bootstrap} with --trust for a pipeline account)`,
            )
          : unchecked('bootstrap.roles', subject, `sts:AssumeRole on ${RoleArn}`, error),
      );
    }
  }
  return findings;
}
