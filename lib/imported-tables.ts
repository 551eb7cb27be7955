// The core service's tables this service reads and writes, imported by name (the shared naming convention).
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLES, TABLE_NAMES, physicalTableName } from '../lambda/store/tables';
import type { TableName } from '../lambda/store/tables';
import type { DynamoAction } from './dynamo-actions';

/** Tables owned by the core service: the ones lambda/store/tables.ts marks `owned: false`. */
export type ImportedTableName = Exclude<TableName, 'oauth-states'>;
export const IMPORTED_TABLES: readonly ImportedTableName[] = TABLE_NAMES.filter(
  (name): name is ImportedTableName => !TABLES[name].owned,
);

/** An index of an imported table, as declared in lambda/store/tables.ts. */
export type IndexOf<T extends ImportedTableName> = T extends 'platform-connections'
  ? keyof NonNullable<(typeof TABLES)['platform-connections']['indexes']> & string
  : never;

export interface ImportedTablesProps {
  readonly tablePrefix: string;
}

export class ImportedTables extends Construct {
  private readonly tables: Record<ImportedTableName, dynamodb.ITable>;

  constructor(scope: Construct, id: string, props: ImportedTablesProps) {
    super(scope, id);
    this.tables = Object.fromEntries(
      IMPORTED_TABLES.map((name) => [
        name,
        dynamodb.Table.fromTableAttributes(this, name, {
          tableName: physicalTableName(props.tablePrefix, name),
        }),
      ]),
    ) as Record<ImportedTableName, dynamodb.ITable>;
  }

  table(name: ImportedTableName): dynamodb.ITable {
    return this.tables[name];
  }

  /** Exactly the listed item actions on the table itself (no index). */
  grant(grantee: iam.IGrantable, name: ImportedTableName, ...actions: DynamoAction[]): iam.Grant {
    return this.tables[name].grant(grantee, ...actions);
  }

  /**
   * Query on one named index only. Narrower than `grantIndexPermissions` (which allows every index
   * through `table/index/*` for every granted action): the ARN names the index.
   */
  grantQuery<T extends ImportedTableName>(grantee: iam.IGrantable, name: T, index: IndexOf<T>): iam.Grant {
    const indexes = TABLES[name].indexes ?? {};
    if (!Object.prototype.hasOwnProperty.call(indexes, index)) {
      throw new Error(`table ${name} has no index ${index} in lambda/store/tables.ts`);
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.tables[name].tableArn}/index/${index}`],
    });
  }
}
