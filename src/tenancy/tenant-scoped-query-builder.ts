import {
  type DataSource,
  type ObjectLiteral,
  QueryBuilder,
  type QueryRunner,
  SelectQueryBuilder,
} from 'typeorm';
import { type PageStatements, pageShape, pageStatementsOf } from './page-statements';

/** The parameter that carries the tenant id; callers cannot set it to another tenant. */
export const TENANT_SCOPE_PARAMETER = 'tenant_scope_organization_id';

interface TenantRestriction {
  alias: string;
  tenantId: string;
}

/**
 * A select query builder that always ANDs `<alias>.organizationId = <tenant>` onto whatever
 * its WHERE becomes. The condition lives outside the builder's where list, so no later
 * `.where()` (which replaces the list), `.orWhere()` or Brackets can drop it or OR around
 * it: TypeORM renders `WHERE ( <caller's conditions> ) AND ( <tenant> )`. Clones (count
 * queries, pagination's two passes, exists) keep it. The builder only reads: turning it into
 * an update, delete or insert would lose the condition, so those are refused.
 */
export class TenantScopedQueryBuilder<T extends ObjectLiteral> extends SelectQueryBuilder<T> {
  private restriction?: TenantRestriction;

  // TypeORM's clone() and createQueryBuilder() call `new this.constructor(...)` like this.
  constructor(source: DataSource | QueryBuilder<T>, queryRunner?: QueryRunner) {
    if (source instanceof QueryBuilder) super(source);
    else super(source, queryRunner);
    if (source instanceof TenantScopedQueryBuilder) this.restriction = source.restriction;
  }

  /** The query, restricted to one tenant's rows of its main alias. */
  static restrict<T extends ObjectLiteral>(
    query: SelectQueryBuilder<T>,
    tenantId: string,
  ): TenantScopedQueryBuilder<T> {
    const scoped = new TenantScopedQueryBuilder<T>(query);
    scoped.restriction = { alias: query.alias, tenantId };
    return scoped;
  }

  /** The query across every tenant, for the audited system scope only. */
  static unrestricted<T extends ObjectLiteral>(
    query: SelectQueryBuilder<T>,
  ): TenantScopedQueryBuilder<T> {
    return new TenantScopedQueryBuilder<T>(query);
  }

  // The same tenant's value is accepted, so that one scoped query can be a subquery of another.
  override setParameter(key: string, value: unknown): this {
    if (key === TENANT_SCOPE_PARAMETER && value !== this.restriction?.tenantId)
      throw new Error(`The query parameter "${key}" is reserved for the tenant condition`);
    return super.setParameter(key, value);
  }

  override getParameters(): ObjectLiteral {
    const parameters = super.getParameters();
    if (this.restriction) parameters[TENANT_SCOPE_PARAMETER] = this.restriction.tenantId;
    return parameters;
  }

  protected override createWhereExpression(): string {
    if (!this.restriction) return super.createWhereExpression();
    // The one condition TypeORM always ANDs, even onto a WHERE that was replaced; pagination
    // sets it for its second pass, so ours is combined with it rather than replacing it.
    const extra = this.expressionMap.extraAppendedAndWhereCondition;
    const tenant = `${this.restriction.alias}.organizationId = :${TENANT_SCOPE_PARAMETER}`;
    this.expressionMap.extraAppendedAndWhereCondition = extra ? `(${extra}) AND ${tenant}` : tenant;
    try {
      return super.createWhereExpression();
    } finally {
      this.expressionMap.extraAppendedAndWhereCondition = extra;
    }
  }

  /**
   * One page of the given columns and the total matching the query, read raw instead of as
   * entities: each value is converted the way hydration converts it (the driver's types, the
   * column's transformer), without the per-row entity building. The total is the same query
   * with COUNT(*), no ORDER BY and no limit; counted first, so a page past the end costs no
   * second query. Joins would make COUNT(*) count joined rows, so they are refused.
   *
   * Rendering the two statements was a sixth of a product list's CPU, so each shape of query
   * is rendered once (page-statements.ts); the parameters, the tenant's among them, are bound
   * on every call from this builder.
   */
  async getColumnsPageAndCount<K extends keyof T & string>(
    properties: readonly K[],
    page: { offset: number; limit: number },
  ): Promise<[Pick<T, K>[], number]> {
    if (this.expressionMap.joinAttributes.length > 0)
      throw new Error('getColumnsPageAndCount reads one table; this query has joins');
    // The page's LIMIT goes at the end of the statement: after a lock clause or around a
    // subquery's parentheses it would be wrong SQL, and a list locks nothing.
    if (this.expressionMap.lockMode !== undefined || this.expressionMap.subQuery)
      throw new Error(
        'getColumnsPageAndCount reads a plain page; this query locks or is a subquery',
      );
    const shape = pageShape(this.expressionMap, this.restriction?.alias, properties);
    const statements = pageStatementsOf(this.connection, shape, () =>
      this.renderPageStatements(properties),
    );
    const [counted] = await this.readRaw<{ total: number | string }>(statements.count);
    const total = Number(counted?.total ?? 0);
    if (page.offset >= total) return [[], total];

    this.offset(page.offset).limit(page.limit);
    const raw = await this.readRaw<Record<K, unknown>>(
      statements.page + this.createLimitOffsetExpression(),
    );
    const driver = this.connection.driver;
    const rows = raw.map((row) => {
      const values: Partial<Pick<T, K>> = {};
      for (const column of statements.columns) {
        const property = column.propertyName as K;
        values[property] = driver.prepareHydratedValue(row[property], column) as T[K];
      }
      return values as Pick<T, K>;
    });
    return [rows, total];
  }

  private renderPageStatements(properties: readonly string[]): PageStatements {
    const metadata = this.expressionMap.mainAlias?.metadata;
    if (!metadata) throw new Error('getColumnsPageAndCount needs a query over an entity');
    const columns = properties.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column "${property}"`);
      return column;
    });
    // The page is the caller's offset and limit alone: skip and take would render a LIMIT too.
    const unpaged = () =>
      this.clone().offset(undefined).limit(undefined).skip(undefined).take(undefined);
    const count = unpaged().select('COUNT(*)', 'total').orderBy().getQuery();
    // Each column is selected under its property name, so a raw row is keyed like the entity.
    const listing = unpaged().select([]);
    for (const column of columns)
      listing.addSelect(`${this.alias}.${column.propertyName}`, column.propertyName);
    return { count, page: listing.getQuery(), columns };
  }

  /** What getRawMany does, minus the result-cache bookkeeping it does even with no cache. */
  private async readRaw<R>(sql: string): Promise<R[]> {
    const [query, parameters] = this.connection.driver.escapeQueryWithParameters(
      sql,
      this.getParameters(),
      this.expressionMap.nativeParameters,
    );
    const runner = this.obtainQueryRunner();
    try {
      return (await runner.query(query, parameters, true)).records as R[];
    } finally {
      if (runner !== this.queryRunner) await runner.release();
    }
  }

  override update(): never {
    throw readOnly('update');
  }

  override delete(): never {
    throw readOnly('delete');
  }

  override softDelete(): never {
    throw readOnly('softDelete');
  }

  override restore(): never {
    throw readOnly('restore');
  }

  override insert(): never {
    throw readOnly('insert');
  }

  override relation(): never {
    throw readOnly('relation');
  }
}

function readOnly(operation: string): Error {
  return new Error(
    `A tenant-scoped query builder only reads; ${operation}() would drop the tenant condition`,
  );
}
