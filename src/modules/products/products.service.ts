import { HttpStatus, Injectable } from '@nestjs/common';
import {
  isLockConflict,
  isUniqueViolation,
  TransactionRunner,
} from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import type { TenantScopedChanges } from '../../tenancy/tenant-scoped.repository';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { CreateProductDto } from './dto/create-product.dto';
import type { ListProductsQueryDto } from './dto/list-products-query.dto';
import { ProductResponseDto } from './dto/product-response.dto';
import type { UpdateProductDto } from './dto/update-product.dto';
import { normalizePrice, priceToCents } from './price';
import { Product } from './product.entity';
import { ProductsRepository } from './products.repository';

/** The fields an update may change, compared one by one for the audit's before/after. */
const EDITABLE = ['name', 'sku', 'price', 'description', 'status'] as const;
type Editable = (typeof EDITABLE)[number];

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Product not found');
const skuTaken = (sku: string) =>
  new AppException(
    HttpStatus.CONFLICT,
    ErrorCode.CONFLICT,
    `A product with SKU "${sku}" already exists in this organization`,
  );

/** What the audit log keeps of a product. */
function snapshot(product: Product): Record<string, unknown> {
  const { id, name, sku, price, description, status } = product;
  return { id, name, sku, price, description, status };
}

/**
 * Products of the current tenant. Every read and write goes through ProductsRepository, which
 * adds the tenant itself: another tenant's product is simply not found (404, never 403).
 * Writes and their audit rows commit together.
 */
@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async list(query: ListProductsQueryDto): Promise<PaginatedResult<ProductResponseDto>> {
    if (
      query.minPrice !== undefined &&
      query.maxPrice !== undefined &&
      priceToCents(query.minPrice) > priceToCents(query.maxPrice)
    ) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'minPrice', messages: ['minPrice must not be greater than maxPrice'] }],
      );
    }
    const [rows, total] = await this.products.findPage(query);
    return new PaginatedResult(
      rows.map((row) => ProductResponseDto.from(row)),
      query.page,
      query.limit,
      total,
    );
  }

  async get(id: string): Promise<ProductResponseDto> {
    const product = await this.products.findById(id);
    if (!product) throw notFound();
    return ProductResponseDto.from(product);
  }

  async create(dto: CreateProductDto, actorId: string | null): Promise<ProductResponseDto> {
    const product = Object.assign(new Product(), {
      name: dto.name,
      sku: dto.sku,
      price: normalizePrice(dto.price),
      description: dto.description ?? null,
      status: dto.status ?? 'active',
      createdBy: actorId,
      updatedBy: actorId,
    });
    const created = await this.guardSku(dto.sku, () =>
      this.transactions.run(async (manager) => {
        const inserted = await this.products.transactional(manager).insert(product);
        await this.audit.record(
          {
            action: AuditAction.PRODUCT_CREATED,
            entityType: 'product',
            entityId: inserted.id,
            after: snapshot(inserted),
          },
          manager,
        );
        return inserted;
      }),
    );
    return ProductResponseDto.from(created);
  }

  async update(
    id: string,
    dto: UpdateProductDto,
    actorId: string | null,
  ): Promise<ProductResponseDto> {
    const requested: Partial<Pick<Product, Editable>> = {
      ...dto,
      ...(dto.price !== undefined ? { price: normalizePrice(dto.price) } : {}),
    };
    const updated = await this.guardSku(dto.sku, () =>
      this.transactions.run(async (manager) => {
        const products = this.products.transactional(manager);
        const current = await products.findByIdForUpdate(id);
        if (!current) throw notFound();
        const before: Record<string, unknown> = {};
        const after: Record<string, unknown> = {};
        for (const field of EDITABLE) {
          const value = requested[field];
          if (value === undefined || value === current[field]) continue;
          before[field] = current[field];
          after[field] = value;
        }
        // Nothing changes: no write, no audit row, and updatedAt stays as it was.
        if (Object.keys(after).length === 0) return current;
        const changes = { ...after, updatedBy: actorId } as TenantScopedChanges<Product>;
        if (!(await products.update(id, changes))) throw notFound();
        const saved = await products.findById(id);
        if (!saved) throw notFound();
        await this.audit.record(
          {
            action: AuditAction.PRODUCT_UPDATED,
            entityType: 'product',
            entityId: id,
            before,
            after,
          },
          manager,
        );
        return saved;
      }),
    );
    return ProductResponseDto.from(updated);
  }

  async remove(id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const products = this.products.transactional(manager);
      const current = await products.findByIdForUpdate(id);
      if (!current || !(await products.delete(id))) throw notFound();
      await this.audit.record(
        {
          action: AuditAction.PRODUCT_DELETED,
          entityType: 'product',
          entityId: id,
          before: snapshot(current),
        },
        manager,
      );
    });
  }

  /**
   * The unique index (organization_id, sku) decides, not a read beforehand, so two requests
   * racing for one SKU get exactly one success. A MySQL deadlock or lock timeout between such
   * racers is the same conflict seen from the loser's side.
   */
  private async guardSku<T>(sku: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (sku !== undefined && (isUniqueViolation(error) || isLockConflict(error)))
        throw skuTaken(sku);
      throw error;
    }
  }
}
