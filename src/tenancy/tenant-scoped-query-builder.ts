import {
  type DataSource,
  type ObjectLiteral,
  QueryBuilder,
  type QueryRunner,
  SelectQueryBuilder,
} from 'typeorm';

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
