// Entry point of `npm run credentials -- <subcommand>`: wires the real streams, files and Secrets Manager.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { readFile, stat } from 'node:fs/promises';
import { main, type Deps } from './commands';
import { stsCallerAccount } from '../deploy/caller';
import { awsSecretStore } from './secret-store';

/** The process's streams, environment, files, clients in the stage's region (default credential chain), STS's account. */
export function nodeDeps(): Deps {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    store: (context) =>
      awsSecretStore(new SecretsManagerClient({ region: context.region, maxAttempts: 3 }), context),
    readFile: (path) => readFile(path, 'utf8'),
    fileMode: async (path) => (await stat(path)).mode & 0o777,
    callerAccount: (region) => stsCallerAccount(new STSClient({ region, maxAttempts: 3 })),
  };
}

// `status | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void main(process.argv.slice(2), nodeDeps()).then((code) => {
  process.exitCode = code;
});
