// Marshalling for the tests and local tools that use the plain DynamoDB client (the handlers use the document client).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

export function toItem(value: object): Record<string, AttributeValue> {
  return marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

export function fromItem<T>(item: Record<string, AttributeValue> | undefined): T | undefined {
  return item ? (unmarshall(item) as T) : undefined;
}
