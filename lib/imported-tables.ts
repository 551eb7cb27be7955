// The core service's tables this service reads and writes, imported by name (the shared naming convention).
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLES, TABLE_NAMES, physicalTableName } from '../lambda/store/tables';
import type { TableName } from '../lambda/store/tables';
import type { DynamoAction } from './dynamo-actions';

/** Tables owned by the core service: the ones lambda/store/tables.ts marks `owned: false`. */
export type ImportedTableName = Exclude<TableName, 'oauth-states' | 'oauth-tokens'>;
export const IMPORTED_TABLES: readonly ImportedTableName[] = TABLE_NAMES.filter(
  (name): name is ImportedTableName => !TABLES[name].owned,
);

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

  /** Exactly the listed item actions on the table itself (no index: this service queries none of theirs). */
  grant(grantee: iam.IGrantable, name: ImportedTableName, ...actions: DynamoAction[]): iam.Grant {
    return this.tables[name].grant(grantee, ...actions);
  }
}
