// The benchmark's pure helpers: percentiles, summaries, metafile grouping, AWS operation names, capacity units.
import { awsOperation, capacityOf } from '../../scripts/bench/counting-proxy';
import { contributorsByPackage, packageOf } from '../../scripts/bench/metafile';
import { markdownTable, median, percentile, summarize } from '../../scripts/bench/stats';

describe('percentile (nearest rank)', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

  it('reads the rank ceil(p/100 * n) of the sorted values', () => {
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7, 3, 5], 50)).toBe(5);
  });

  it('is NaN for no values and does not reorder its input', () => {
    expect(percentile([], 50)).toBeNaN();
    const input = [3, 1, 2];
    percentile(input, 50);
    expect(input).toEqual([3, 1, 2]);
  });
});

describe('median and summarize', () => {
  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('summarizes count, p50, p99, mean and max', () => {
    const values = [...Array.from({ length: 99 }, () => 1), 101];
    expect(summarize(values)).toEqual({ n: 100, p50: 1, p99: 1, mean: 2, max: 101 });
  });
});

describe('markdownTable', () => {
  it('writes a header, a separator and one line a row', () => {
    expect(markdownTable(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });
});

describe('metafile grouping', () => {
  it('names the package of an input, scoped or not, nested node_modules included', () => {
    expect(packageOf('node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
    expect(packageOf('node_modules/valibot/dist/index.js')).toBe('valibot');
    expect(packageOf('node_modules/@aws-sdk/a/node_modules/@smithy/b/x.js')).toBe('@smithy/b');
    expect(packageOf('lambda/oauth/seal.ts')).toBe('lambda/oauth');
    expect(packageOf('lambda/handlers/oauth-start.ts')).toBe('lambda/handlers');
  });

  it('adds the bytes in output per package, largest first, dropping tree-shaken inputs', () => {
    const inputs = {
      'node_modules/@smithy/core/a.js': { bytesInOutput: 100 },
      'node_modules/@smithy/core/b.js': { bytesInOutput: 50 },
      'node_modules/valibot/dist/index.js': { bytesInOutput: 120 },
      'lambda/oauth/seal.ts': { bytesInOutput: 10 },
      'node_modules/unused/index.js': { bytesInOutput: 0 },
    };
    expect(contributorsByPackage(inputs)).toEqual([
      { name: '@smithy/core', bytes: 150 },
      { name: 'valibot', bytes: 120 },
      { name: 'lambda/oauth', bytes: 10 },
    ]);
  });
});

describe('AWS operations at the counting proxy', () => {
  it('maps X-Amz-Target prefixes to services', () => {
    expect(awsOperation('DynamoDB_20120810.PutItem')).toEqual({ service: 'DynamoDB', operation: 'PutItem' });
    expect(awsOperation('secretsmanager.GetSecretValue')).toEqual({
      service: 'SecretsManager',
      operation: 'GetSecretValue',
    });
    expect(awsOperation('AWSEvents.PutEvents')).toEqual({ service: 'EventBridge', operation: 'PutEvents' });
  });

  it('counts consumed capacity as reads or writes by operation, transactions summed over tables', () => {
    expect(capacityOf({ ConsumedCapacity: { TableName: 't', CapacityUnits: 1 } }, 'GetItem')).toEqual({
      read: 1,
      write: 0,
    });
    expect(
      capacityOf(
        {
          ConsumedCapacity: [
            { TableName: 'a', CapacityUnits: 6 },
            { TableName: 'b', CapacityUnits: 2 },
          ],
        },
        'TransactWriteItems',
      ),
    ).toEqual({ read: 0, write: 8 });
    expect(capacityOf({}, 'PutItem')).toEqual({ read: 0, write: 0 });
  });
});
