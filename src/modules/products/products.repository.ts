import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { containsPattern, LIKE_ESCAPE } from '../../database/like';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { Product, type ProductStatus } from './product.entity';

export const PRODUCT_SORT_FIELDS = ['name', 'sku', 'price', 'createdAt', 'updatedAt'] as const;
export type ProductSortField = (typeof PRODUCT_SORT_FIELDS)[number];

export interface ProductPageQuery {
  page: number;
  limit: number;
  sort: ProductSortField;
  order: 'asc' | 'desc';
  /** Matched literally (%, _ and quotes included) against name and sku. */
  search?: string;
  status?: ProductStatus;
  /** Exact decimal strings such as "10.00", compared as DECIMAL(12,2), never as floats. */
  minPrice?: string;
  maxPrice?: string;
}

/** The columns of a product in a list: everything its response shows. */
export const PRODUCT_PAGE_COLUMNS = [
  'id',
  'organizationId',
  'name',
  'sku',
  'price',
  'description',
  'status',
  'createdAt',
  'updatedAt',
  'createdBy',
  'updatedBy',
] as const;
export type ProductPageRow = Pick<Product, (typeof PRODUCT_PAGE_COLUMNS)[number]>;

/** Allowlisted sort keys and the columns they mean: nothing from the request reaches ORDER BY as text. */
const SORT_COLUMNS: Record<ProductSortField, string> = {
  name: 'product.name',
  sku: 'product.sku',
  price: 'product.price',
  createdAt: 'product.createdAt',
  updatedAt: 'product.updatedAt',
};

@Injectable()
export class ProductsRepository extends TenantScopedRepository<Product> {
  constructor(dataSource: DataSource) {
    super(dataSource, Product);
  }

  /** One page of the current tenant's products and the total matching the filters, from a replica. */
  findPage(query: ProductPageQuery): Promise<[ProductPageRow[], number]> {
    return this.onReplica((replica) =>
      replica.pageQuery(query).getColumnsPageAndCount(PRODUCT_PAGE_COLUMNS, {
        offset: (query.page - 1) * query.limit,
        limit: query.limit,
      }),
    );
  }

  private pageQuery(query: ProductPageQuery) {
    // queryBuilder() already holds `organization_id = <tenant>`: only andWhere from here on.
    const builder = this.queryBuilder('product');
    const search = query.search?.trim();
    if (search) {
      builder.andWhere(
        `(product.name LIKE :pattern ${LIKE_ESCAPE} OR product.sku LIKE :pattern ${LIKE_ESCAPE})`,
        {
          pattern: containsPattern(search),
        },
      );
    }
    if (query.status) builder.andWhere('product.status = :status', { status: query.status });
    // CAST keeps the comparison decimal on MySQL (a string operand would make it a double) and numeric on SQLite.
    if (query.minPrice !== undefined)
      builder.andWhere('product.price >= CAST(:minPrice AS DECIMAL(12,2))', {
        minPrice: query.minPrice,
      });
    if (query.maxPrice !== undefined)
      builder.andWhere('product.price <= CAST(:maxPrice AS DECIMAL(12,2))', {
        maxPrice: query.maxPrice,
      });
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    return (
      builder
        .orderBy(SORT_COLUMNS[query.sort], direction)
        // The id breaks ties, so equal keys never make a row appear on two pages or on none.
        .addOrderBy('product.id', direction)
    );
  }

  async existsBySku(sku: string): Promise<boolean> {
    return (await this.countScoped({ sku })) > 0;
  }

  /**
   * The product, locked for the rest of the transaction on MySQL so that the audit's
   * "before" is what the update replaces. SQLite has no row locks; its transactions run
   * one at a time (TransactionRunner), which gives the same guarantee.
   */
  findByIdForUpdate(id: string): Promise<Product | null> {
    const builder = this.queryBuilder('product').andWhere('product.id = :id', { id });
    if (this.dataSource.options.type === 'mysql') builder.setLock('pessimistic_write');
    return builder.getOne();
  }
}
