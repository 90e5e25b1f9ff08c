import type { DataSource } from 'typeorm';
import type { QueryExpressionMap } from 'typeorm/query-builder/QueryExpressionMap';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** The SQL of one query shape's page and total, with named parameters still in place. */
export interface PageStatements {
  count: string;
  /** Without LIMIT and OFFSET, which each call appends for its own page. */
  page: string;
  columns: ColumnMetadata[];
}

/** Enough for every filter, sort and order combination of every list in the product. */
const MAX_SHAPES_PER_SOURCE = 512;

const statementsBySource = new WeakMap<DataSource, Map<string, PageStatements>>();

/**
 * What decides the text TypeORM renders for a page query: every part of the expression map
 * that reaches the SQL, and the tenant condition's alias (or none, in the system scope). The
 * values of parameters are left out; they are bound on every call. A query with parts this
 * does not describe (joins, CTEs, grouping, locks, find-option conditions) has no shape and is
 * rendered afresh each time.
 */
export function pageShape(
  map: QueryExpressionMap,
  tenantAlias: string | undefined,
  properties: readonly string[],
): string | undefined {
  const plain =
    map.aliases.length === 1 &&
    map.joinAttributes.length === 0 &&
    map.relationIdAttributes.length === 0 &&
    map.relationCountAttributes.length === 0 &&
    map.commonTableExpressions.length === 0 &&
    map.groupBys.length === 0 &&
    map.havings.length === 0 &&
    map.selectDistinctOn.length === 0 &&
    map.lockMode === undefined &&
    map.skip === undefined &&
    map.take === undefined &&
    !map.subQuery &&
    !map.extraAppendedAndWhereCondition &&
    map.wheres.every((where) => typeof where.condition === 'string');
  if (!plain || !map.mainAlias?.hasMetadata) return undefined;
  return JSON.stringify([
    map.mainAlias.metadata.name,
    map.mainAlias.name,
    tenantAlias ?? null,
    map.wheres,
    map.orderBys,
    map.withDeleted,
    map.selectDistinct,
    map.disableEscaping,
    map.aliasNamePrefixingEnabled,
    map.maxExecutionTime,
    map.useIndex ?? null,
    map.comment ?? null,
    properties,
  ]);
}

/**
 * The page statements of one data source (its driver decides quoting and dialect), each shape
 * built once. Past its bound the oldest shape goes, so odd query strings cannot grow it.
 */
export function pageStatementsOf(
  dataSource: DataSource,
  shape: string | undefined,
  build: () => PageStatements,
): PageStatements {
  if (shape === undefined) return build();
  let statements = statementsBySource.get(dataSource);
  if (!statements) {
    statements = new Map();
    statementsBySource.set(dataSource, statements);
  }
  const known = statements.get(shape);
  if (known) return known;
  const built = build();
  if (statements.size >= MAX_SHAPES_PER_SOURCE) {
    const oldest = statements.keys().next();
    if (!oldest.done) statements.delete(oldest.value);
  }
  statements.set(shape, built);
  return built;
}
