// The state of every client-credential secret of a stage, shared by `credentials status` and the preflight.
import { classify, type SecretStatus } from './report';
import type { SecretStore } from './secret-store';
import { allTargets } from './targets';
import { fieldProblems } from './validate';

/**
 * Describes and reads each secret under the prefix and returns its state; values never leave this function.
 * A present value that is not shaped as the registry expects (a client id of another provider's form, a webhook
 * secret without whsec_) is `malformed`.
 * @example await secretStatuses('app/oauth', store) // [{ target: 'google', secretName: 'app/oauth/google/client_id', state: 'present', ... }, ...]
 */
export async function secretStatuses(prefix: string, store: SecretStore): Promise<SecretStatus[]> {
  const secrets = allTargets(prefix).flatMap((target) => target.fields.map((field) => ({ target, field })));
  return Promise.all(
    secrets.map(async ({ target, field }) => {
      const description = await store.describe(field.secretName);
      // The value is read only to tell a placeholder or a malformed value from a real one; it leaves as a state.
      const value = description && !description.deleted ? await store.read(field.secretName) : undefined;
      const state = classify(value, description?.deleted);
      return {
        target: target.id,
        secretName: field.secretName,
        state: state === 'present' && fieldProblems(target, field, value).length > 0 ? 'malformed' : state,
        lastChanged: description?.lastChanged,
      };
    }),
  );
}
