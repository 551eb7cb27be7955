// Secrets Manager answers for aws-sdk-client-mock: a BatchGetSecretValue built from a per-secret lookup.
import type { BatchGetSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';

/**
 * A fake for BatchGetSecretValue that answers each listed id from `lookup` as AWS does: found values in
 * SecretValues, a missing secret (lookup answers undefined) as a ResourceNotFoundException entry in Errors.
 */
export function batchFromLookup(lookup: (id: string) => string | undefined) {
  return (input: BatchGetSecretValueCommandInput) => {
    const ids = input.SecretIdList ?? [];
    return {
      SecretValues: ids.flatMap((id) => {
        const value = lookup(id);
        return value === undefined ? [] : [{ Name: id, SecretString: value }];
      }),
      Errors: ids
        .filter((id) => lookup(id) === undefined)
        .map((id) => ({ SecretId: id, ErrorCode: 'ResourceNotFoundException', Message: 'not found' })),
    };
  };
}
