// The table adapters' update builder and condition-failure parser, as pure functions.
import { conditionFailure, updateExpression } from '../../lambda/store/expressions';

describe('updateExpression', () => {
  it('sets defined fields and removes undefined ones, each under its own placeholder', () => {
    expect(updateExpression({ status: 'active', lastErrorCode: undefined, failureDays: [] })).toEqual({
      UpdateExpression: 'SET #u0 = :u0, #u2 = :u2 REMOVE #u1',
      ExpressionAttributeNames: { '#u0': 'status', '#u1': 'lastErrorCode', '#u2': 'failureDays' },
      ExpressionAttributeValues: { ':u0': 'active', ':u2': [] },
    });
  });

  it('writes set-if-absent fields, a counter from zero and ADD values', () => {
    const ref = new Set(['a/s']);
    expect(
      updateExpression(
        { updatedAt: 't2', createdAt: 't1' },
        { ifAbsent: ['createdAt'], increment: ['version'], add: { applied: ref } },
      ),
    ).toEqual({
      UpdateExpression:
        'SET #u0 = if_not_exists(#u0, :zero) + :u0, #u1 = :u1, #u2 = if_not_exists(#u2, :u2) ADD #u3 :u3',
      ExpressionAttributeNames: {
        '#u0': 'version',
        '#u1': 'updatedAt',
        '#u2': 'createdAt',
        '#u3': 'applied',
      },
      ExpressionAttributeValues: { ':zero': 0, ':u0': 1, ':u1': 't2', ':u2': 't1', ':u3': ref },
    });
  });

  it("merges the condition's own placeholders and leaves out an empty value map", () => {
    expect(
      updateExpression(
        { refreshPartition: undefined, refreshDueAt: undefined },
        { condition: { expression: 'attribute_exists(#sid)', names: { '#sid': 'sourceId' } } },
      ),
    ).toEqual({
      UpdateExpression: 'REMOVE #u0, #u1',
      ConditionExpression: 'attribute_exists(#sid)',
      ExpressionAttributeNames: { '#u0': 'refreshPartition', '#u1': 'refreshDueAt', '#sid': 'sourceId' },
    });
    expect(
      updateExpression(
        { status: 'done' },
        { condition: { expression: '#o = :me', names: { '#o': 'owner' }, values: { ':me': 'x' } } },
      ).ExpressionAttributeValues,
    ).toEqual({ ':u0': 'done', ':me': 'x' });
  });
});

describe('conditionFailure', () => {
  const error = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

  it('is undefined for errors that are not a failed condition', () => {
    expect(conditionFailure(error('ThrottlingException'))).toBeUndefined();
    expect(conditionFailure(error('AccessDeniedException'))).toBeUndefined();
    expect(conditionFailure(undefined)).toBeUndefined();
  });

  it('reads a single write whose condition failed as lost, with no transaction item named', () => {
    const failure = conditionFailure(error('ConditionalCheckFailedException'));
    expect(failure?.lost).toBe(true);
    expect(failure?.failed(0)).toBe(false);
  });

  it('names the transaction items whose own condition failed', () => {
    const failure = conditionFailure(
      error('TransactionCanceledException', {
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    expect(failure?.lost).toBe(true);
    expect([0, 1, 2].map((i) => failure?.failed(i))).toEqual([false, true, false]);
  });

  it('does not count a transaction cancelled for another reason as a lost race', () => {
    const failure = conditionFailure(
      error('TransactionCanceledException', { CancellationReasons: [{ Code: 'TransactionConflict' }] }),
    );
    expect(failure?.lost).toBe(false);
    expect(failure?.failed(0)).toBe(false);
    expect(conditionFailure(error('TransactionCanceledException'))?.lost).toBe(true);
  });
});
