// `npm run deploy -- --stage <s> [--ci] [-- <cdk args>]`: refuses the wrong account, then cdk deploy, deploy-bound.
import { spawn } from 'node:child_process';
import { STSClient } from '@aws-sdk/client-sts';
import { SettingsError, loadSettings } from '../../lib/config';
import { stackName } from '../../lib/integrations-stack';
import { STAGES } from '../../lib/stages';
import { accountProblem } from '../../lib/stage-rules';
import { stsCallerAccount } from './caller';

export const DEPLOY_USAGE = `Usage: npm run deploy -- --stage <stage> [--ci] [-- <more cdk deploy arguments>]

  --stage <stage>  the stage to deploy (or STAGE=<stage>)
  --ci             for pipelines: no approval prompt (cdk --require-approval never). Without it, cdk asks
                   before any IAM or security-group widening (--require-approval broadening), which needs a terminal.`;

export interface DeployArgs {
  readonly stage: string;
  readonly ci: boolean;
  readonly cdkArgs: readonly string[];
}

export class DeployUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployUsageError';
  }
}

export function parseDeployArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DeployArgs | 'help' {
  let stage = env.STAGE;
  let ci = false;
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const cdkArgs = split < 0 ? [] : argv.slice(split + 1);
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--ci') ci = true;
    else if (arg === '--stage') {
      stage = own[(i += 1)];
      if (!stage || stage.startsWith('--')) throw new DeployUsageError('--stage needs a stage name');
    } else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else throw new DeployUsageError(`unknown argument "${arg}" (cdk arguments go after --)`);
  }
  if (!stage) throw new DeployUsageError('--stage <stage> (or STAGE=<stage>) is required');
  if (cdkArgs.some((a) => a.startsWith('--require-approval'))) {
    throw new DeployUsageError(
      'the approval mode is chosen by --ci (never) or its absence (broadening), not by cdk arguments',
    );
  }
  return { stage, ci, cdkArgs };
}

/** The cdk command line of a deploy: deploy-bound synth (placeholders refused), the approval mode of the run. */
export function cdkDeployArgs(args: DeployArgs): string[] {
  return [
    'cdk',
    'deploy',
    stackName(args.stage),
    '-c',
    `stage=${args.stage}`,
    '-c',
    'deploy=true',
    '--require-approval',
    args.ci ? 'never' : 'broadening',
    ...args.cdkArgs,
  ];
}

export interface DeployDeps {
  readonly stdinIsTty: boolean;
  callerAccount(region: string): Promise<string>;
  runCdk(args: readonly string[]): Promise<number>;
  err(text: string): void;
}

/** Runs the deploy; returns the exit code (cdk's own when it ran). */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  deps: DeployDeps,
): Promise<number> {
  let args;
  let settings;
  try {
    args = parseDeployArgs(argv, env);
    if (args === 'help') {
      deps.err(`${DEPLOY_USAGE}\n`);
      return 0;
    }
    settings = loadSettings(args.stage);
  } catch (error) {
    if (error instanceof DeployUsageError || error instanceof SettingsError) {
      deps.err(`error: ${error.message}\n${DEPLOY_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (!args.ci && !deps.stdinIsTty) {
    deps.err(
      'error: no terminal to approve IAM changes on: run in a terminal, or pass --ci in a pipeline ' +
        '(deploys without asking: cdk --require-approval never)\n',
    );
    return 2;
  }
  let account: string;
  try {
    account = await deps.callerAccount(settings.region);
  } catch (error) {
    deps.err(
      `error: cannot tell which account your credentials are for (sts:GetCallerIdentity): ${(error as Error).message}\n`,
    );
    return 2;
  }
  const problem = accountProblem(settings, account, STAGES);
  if (problem) {
    deps.err(`error: ${problem}\nNothing was deployed.\n`);
    return 1;
  }
  return deps.runCdk(cdkDeployArgs(args));
}

if (require.main === module) {
  const deps: DeployDeps = {
    stdinIsTty: Boolean(process.stdin.isTTY),
    callerAccount: (region) => stsCallerAccount(new STSClient({ region })),
    runCdk: (args) =>
      new Promise((resolve) => {
        const child = spawn('npx', args, { stdio: 'inherit' });
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
      }),
    err: (text) => process.stderr.write(text),
  };
  void main(process.argv.slice(2), process.env, deps).then((code) => {
    process.exitCode = code;
  });
}
