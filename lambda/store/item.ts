// Marshalling helpers shared by the table adapters.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

export function toItem(value: object): Record<string, AttributeValue> {
  return marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

export function fromItem<T>(item: Record<string, AttributeValue> | undefined): T | undefined {
  return item ? (unmarshall(item) as T) : undefined;
}

/** True for the SDK's conditional-check failure (the expected outcome of a lost race). */
export function isConditionalFailure(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
}
