import {
  type DataSource,
  type EntityManager,
  type EntityTarget,
  type FindOptionsOrder,
  type FindOptionsRelations,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { readFromReplica } from '../database/replica-reads';
import { requireId, requireKeys } from '../database/required-key';
import { TenantContext } from './tenant-context';
import type { TenantScopedEntity } from './tenant-scoped.entity';
import { TenantScopedQueryBuilder } from './tenant-scoped-query-builder';

/** Fields a caller can never set or change through the repository. */
type Managed = 'id' | 'organizationId' | 'createdAt' | 'updatedAt';
export type TenantScopedChanges<T extends TenantScopedEntity> = Omit<
  QueryDeepPartialEntity<T>,
  Managed
>;

export class CrossTenantWriteError extends Error {
  constructor() {
    super('An entity cannot be saved into or moved to another tenant');
    this.name = 'CrossTenantWriteError';
  }
}

/**
 * Base of every repository over a tenant-scoped table. Each read, count, update, delete and
 * query builder it offers adds `organization_id = <current tenant>`, and each throws
 * MissingTenantContextError when no tenant is set: forgetting the tenant fails loudly
 * instead of reading every tenant. A missing id or key throws MissingKeyError instead of
 * matching any row. Public methods take ids only; what takes an arbitrary `where` or builds
 * queries is protected, and subclasses expose specific, named methods built on it.
 */
export abstract class TenantScopedRepository<T extends TenantScopedEntity> {
  private manager?: EntityManager;

  protected constructor(
    protected readonly dataSource: DataSource,
    private readonly target: EntityTarget<T>,
  ) {}

  /** The same repository, working inside a transaction's manager. */
  transactional(manager: EntityManager): this {
    return this.boundTo(manager);
  }

  /**
   * Runs a read on a read replica, through the same repository bound to it: for list reads
   * that may lag the primary (see docs/operations.md). Inside a transaction it stays there.
   */
  protected onReplica<R>(read: (replica: this) => Promise<R>): Promise<R> {
    if (this.manager) return read(this);
    return readFromReplica(this.dataSource, (manager) => read(this.boundTo(manager)));
  }

  private boundTo(manager: EntityManager): this {
    const bound = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(bound, this, { manager });
    return bound;
  }

  protected get repository(): Repository<T> {
    return (this.manager ?? this.dataSource.manager).getRepository(this.target);
  }

  /**
   * The tenant this operation is restricted to: the context's tenant, or null only inside
   * the audited system scope (SystemScope.run). Anything else throws.
   */
  protected tenantId(operation: string): string | null {
    const qualified = `${this.repository.metadata.tableName}.${operation}`;
    return TenantContext.inSystemScope() ? null : TenantContext.requireTenantId(qualified);
  }

  protected scoped(operation: string, where: FindOptionsWhere<T> = {}): FindOptionsWhere<T> {
    const tenantId = this.tenantId(operation);
    requireKeys(`${this.repository.metadata.tableName}.${operation}`, where);
    return tenantId === null ? where : { ...where, organizationId: tenantId };
  }

  protected async findOneScoped(
    where: FindOptionsWhere<T>,
    options: { relations?: FindOptionsRelations<T>; withSecrets?: (keyof T & string)[] } = {},
  ): Promise<T | null> {
    const scopedWhere = this.scoped('findOne', where);
    if (options.withSecrets?.length) {
      // Columns marked select:false are only read when asked for by name.
      const alias = 'entity';
      const query = this.queryBuilder(alias).where(scopedWhere);
      for (const column of options.withSecrets) query.addSelect(`${alias}.${column}`);
      for (const relation of Object.keys(options.relations ?? {}))
        query.leftJoinAndSelect(`${alias}.${relation}`, relation);
      return query.getOne();
    }
    return this.repository.findOne({ where: scopedWhere, relations: options.relations });
  }

  async findById(id: string, relations?: FindOptionsRelations<T>): Promise<T | null> {
    return this.findOneScoped({ id: requireId('findById', id) } as FindOptionsWhere<T>, {
      relations,
    });
  }

  protected async findManyScoped(
    where: FindOptionsWhere<T>,
    order?: FindOptionsOrder<T>,
  ): Promise<T[]> {
    return this.repository.find({ where: this.scoped('find', where), order });
  }

  protected async countScoped(where: FindOptionsWhere<T> = {}): Promise<number> {
    return this.repository.count({ where: this.scoped('count', where) });
  }

  /** A read-only query builder restricted to the current tenant; no later where() removes that. */
  protected queryBuilder(alias: string): TenantScopedQueryBuilder<T> {
    const tenantId = this.tenantId('queryBuilder');
    const query = this.repository.createQueryBuilder(alias);
    return tenantId === null
      ? TenantScopedQueryBuilder.unrestricted(query)
      : TenantScopedQueryBuilder.restrict(query, tenantId);
  }

  /** Inserts into the current tenant; an organizationId already set to another tenant is refused. */
  async insert(entity: T): Promise<T> {
    const tenantId = this.tenantId('insert');
    if (tenantId === null) {
      if (!entity.organizationId) throw new CrossTenantWriteError();
    } else {
      if (entity.organizationId && entity.organizationId !== tenantId)
        throw new CrossTenantWriteError();
      entity.organizationId = tenantId;
    }
    return this.repository.save(entity);
  }

  /** Saves an entity read from this tenant; relations (e.g. roles) are written too. */
  async save(entity: T): Promise<T> {
    const tenantId = this.tenantId('save');
    if (tenantId !== null && entity.organizationId !== tenantId) throw new CrossTenantWriteError();
    return this.repository.save(entity);
  }

  /** Updates one row of the current tenant; returns false when there is no such row here. */
  async update(id: string, changes: TenantScopedChanges<T>): Promise<boolean> {
    requireId('update', id);
    const forbidden = ['id', 'organizationId', 'createdAt'].filter((key) => key in changes);
    if (forbidden.length > 0) throw new CrossTenantWriteError();
    const tenantId = this.tenantId('update');
    const query = this.repository
      .createQueryBuilder()
      .update()
      .set({ ...changes, updatedAt: new Date() })
      .where('id = :id', { id });
    if (tenantId !== null) query.andWhere('organization_id = :tenantId', { tenantId });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }

  /** Deletes one row of the current tenant; returns false when there is no such row here. */
  async delete(id: string): Promise<boolean> {
    const result = await this.repository.delete(
      this.scoped('delete', { id: requireId('delete', id) } as FindOptionsWhere<T>),
    );
    return (result.affected ?? 0) > 0;
  }
}
