// How the table adapters write an update and read why a conditional write failed: one builder, one parser.
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** One item of a TransactWriteItems call, in the document client's plain values. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A condition in DynamoDB's expression syntax, with the placeholders it uses. */
export interface Condition {
  /** e.g. `attribute_exists(#sid) AND #st <> :disconnected` */
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** The expression part of an UpdateItem (or a transaction's Update), in the document client's plain values. */
export interface UpdateParts {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export interface UpdateOptions {
  /** Fields of `set` written only where the item has none yet (`if_not_exists`). */
  ifAbsent?: readonly string[];
  /** Numbers counted up by one from zero (`if_not_exists(f, 0) + 1`). */
  increment?: readonly string[];
  /** Values added to a number or a set (ADD). */
  add?: Record<string, unknown>;
  /** The write only happens while this holds. */
  condition?: Condition;
}

/**
 * An update that SETs every defined field of `set` and REMOVEs every undefined one. The builder's own
 * placeholders are `#u<n>` and `:u<n>`, so a condition's own (`#status`, `:now`) never collide with them.
 * @example documents.send(new UpdateCommand({ TableName, Key, ...updateExpression({ status: 'active', lastErrorCode: undefined }) }))
 */
export function updateExpression(set: Record<string, unknown>, options: UpdateOptions = {}): UpdateParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  const adds: string[] = [];
  let n = 0;
  const placeholders = (field: string, value?: unknown): [string, string] => {
    const i = n++;
    names[`#u${i}`] = field;
    if (value !== undefined) values[`:u${i}`] = value;
    return [`#u${i}`, `:u${i}`];
  };
  for (const field of options.increment ?? []) {
    const [name, one] = placeholders(field, 1);
    values[':zero'] = 0;
    sets.push(`${name} = if_not_exists(${name}, :zero) + ${one}`);
  }
  for (const [field, value] of Object.entries(set)) {
    const [name, placeholder] = placeholders(field, value);
    if (value === undefined) removes.push(name);
    else if (options.ifAbsent?.includes(field)) sets.push(`${name} = if_not_exists(${name}, ${placeholder})`);
    else sets.push(`${name} = ${placeholder}`);
  }
  for (const [field, value] of Object.entries(options.add ?? {})) {
    const [name, placeholder] = placeholders(field, value);
    adds.push(`${name} ${placeholder}`);
  }
  const clauses = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
  ];
  const condition = options.condition;
  Object.assign(names, condition?.names);
  Object.assign(values, condition?.values);
  return {
    UpdateExpression: clauses.filter(Boolean).join(' '),
    ...(condition ? { ConditionExpression: condition.expression } : {}),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

/** Why a conditional write did not happen: the expected outcome of a lost race, never a fault. */
export interface ConditionFailure {
  /** A condition failed (a cancelled transaction without reasons counts as one). */
  lost: boolean;
  /** Whether the transaction's item at `index` failed its own condition. */
  failed(index: number): boolean;
}

/**
 * Reads a failed write: a ConditionFailure for a failed condition or a cancelled transaction, undefined for
 * anything else (throttling, access, timeouts: rethrow those).
 * @example catch (error) { if (!conditionFailure(error)) throw error; return false; }
 */
export function conditionFailure(error: unknown): ConditionFailure | undefined {
  const { name, CancellationReasons } = (error ?? {}) as {
    name?: string;
    CancellationReasons?: ({ Code?: string } | undefined)[];
  };
  if (name !== 'ConditionalCheckFailedException' && name !== 'TransactionCanceledException') return undefined;
  const codes = CancellationReasons?.map((reason) => reason?.Code);
  return {
    lost: !codes || codes.includes('ConditionalCheckFailed'),
    failed: (index) => codes?.[index] === 'ConditionalCheckFailed',
  };
}
