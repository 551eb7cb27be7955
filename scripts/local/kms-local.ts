// KMS for tests and the local run: moto_server (moto 5) on a free loopback port, with the stage's token key.
import type { ChildProcess } from 'node:child_process';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { tokenKeyAlias } from '../../lambda/store/vault-entry';
import { freePort, spawnGuardedCommand } from './dynamo-local';

export { tokenKeyAlias };

export interface KmsLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** What to do when moto_server is missing (it is a Python tool, not an npm package). */
export const MOTO_INSTALL_HINT =
  "moto_server was not found on PATH: install moto 5 with its server, e.g. `pipx install 'moto[server]==5.2.1'` " +
  "or `pip install 'moto[server]==5.2.1'`, or point AWS_ENDPOINT_URL_KMS at a KMS endpoint";

export function kmsClient(endpoint: string): KMSClient {
  return new KMSClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Starts moto_server and waits until its KMS answers. */
export async function startKmsLocal(port?: number): Promise<KmsLocal> {
  const chosen = port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${chosen}`;
  // Under the child guard: a Python server does not notice its parent going away either.
  const child = spawnGuardedCommand(process.env.MOTO_SERVER ?? 'moto_server', [
    '-H',
    '127.0.0.1',
    '-p',
    String(chosen),
  ]);
  let failed: Error | undefined;
  child.once('error', (error) => {
    failed = error;
  });
  child.once('exit', (code) => {
    if (code === 127) failed = new Error(MOTO_INSTALL_HINT);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  const client = kmsClient(endpoint);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (failed) throw failed;
      if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}) on ${endpoint}`);
      try {
        await client.send(new ListAliasesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`moto_server did not answer on ${endpoint}`, { cause: error });
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, process: child, stop };
}

/** The ARN of the stage's token key at `endpoint`, created (with its alias) when missing. */
export async function ensureTokenKey(endpoint: string, stage: string): Promise<string> {
  const client = kmsClient(endpoint);
  try {
    const alias = tokenKeyAlias(stage);
    const aliases = await client.send(new ListAliasesCommand({}));
    const found = aliases.Aliases?.find((a) => a.AliasName === alias);
    if (found?.TargetKeyId) {
      const region = await client.config.region();
      return `arn:aws:kms:${region}:${(found.AliasArn ?? '').split(':')[4]}:key/${found.TargetKeyId}`;
    }
    const key = await client.send(
      new CreateKeyCommand({ Description: `OAuth token key of stage ${stage} (local)` }),
    );
    await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata?.KeyId }));
    return key.KeyMetadata?.Arn as string;
  } finally {
    client.destroy();
  }
}
