// moto_server (installed on this machine image) on a free loopback port, started once per jest run like DynamoDB Local.
// One implementation with the local run's (scripts/local/kms-local.ts): guarded, so it never outlives the run.
import { startKmsLocal, type KmsLocal } from '../../scripts/local/kms-local';

export type Moto = KmsLocal;

/** Starts moto_server (MOTO_SERVER overrides the command) and waits until its API answers. */
export function startMoto(): Promise<Moto> {
  return startKmsLocal();
}
