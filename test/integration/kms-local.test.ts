// The local KMS (moto_server under the child guard): a missing binary fails with how to install it; a started one
// answers KMS and holds the stage's token key; stopping it leaves no process behind.
import { ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  MOTO_INSTALL_HINT,
  ensureTokenKey,
  kmsClient,
  startKmsLocal,
  tokenKeyAlias,
} from '../../scripts/local/kms-local';

const saved = process.env.MOTO_SERVER;
afterEach(() => {
  if (saved === undefined) delete process.env.MOTO_SERVER;
  else process.env.MOTO_SERVER = saved;
});

it('a missing moto_server fails with the install hint', async () => {
  process.env.MOTO_SERVER = '/nonexistent/moto_server';
  await expect(startKmsLocal()).rejects.toThrow(MOTO_INSTALL_HINT);
  expect(MOTO_INSTALL_HINT).toMatch(/pipx install 'moto\[server\]==5\.2\.1'/);
});

it('starts moto_server, creates the stage key under its alias, and stops it (no process left)', async () => {
  const kms = await startKmsLocal();
  try {
    const keyId = await ensureTokenKey(kms.endpoint, 'kmslocaltest');
    expect(keyId).toBeTruthy();
    const client = kmsClient(kms.endpoint);
    const { Aliases } = await client.send(new ListAliasesCommand({}));
    client.destroy();
    expect(Aliases?.map((a) => a.AliasName)).toContain(tokenKeyAlias('kmslocaltest'));
  } finally {
    await kms.stop();
  }
  await expect(fetch(kms.endpoint)).rejects.toThrow();
}, 60_000);
