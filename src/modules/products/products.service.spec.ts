import type { EntityManager } from 'typeorm';
import { AppException } from '../../http/app-exception';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import type { AuditService } from '../audit/audit.service';
import { Product } from './product.entity';
import type { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';

type RepositoryMock = jest.Mocked<
  Pick<
    ProductsRepository,
    'transactional' | 'insert' | 'update' | 'delete' | 'findById' | 'findByIdForUpdate' | 'findPage'
  >
>;

const ACTOR = '11111111-1111-4111-8111-111111111111';
const manager = {} as EntityManager;

function stored(overrides: Partial<Product> = {}): Product {
  return Object.assign(new Product(), {
    id: '22222222-2222-4222-8222-222222222222',
    organizationId: '33333333-3333-4333-8333-333333333333',
    name: 'Lamp',
    sku: 'LAMP-00001',
    price: '10.00',
    description: null,
    status: 'active',
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
    createdBy: ACTOR,
    updatedBy: ACTOR,
    ...overrides,
  });
}

describe('ProductsService', () => {
  let repository: RepositoryMock;
  let audit: jest.Mocked<Pick<AuditService, 'record'>>;
  let service: ProductsService;

  beforeEach(() => {
    repository = {
      transactional: jest.fn(),
      insert: jest.fn(),
      update: jest.fn(),
      delete: jest.fn(),
      findById: jest.fn(),
      findByIdForUpdate: jest.fn(),
      findPage: jest.fn(),
    };
    repository.transactional.mockReturnValue(repository as unknown as ProductsRepository);
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    const transactions: Pick<TransactionRunner, 'run'> = { run: (work) => work(manager) };
    service = new ProductsService(
      repository as unknown as ProductsRepository,
      transactions as TransactionRunner,
      audit as unknown as AuditService,
    );
  });

  it('creates with a normalized price, the default status and the actor, auditing in the same transaction', async () => {
    repository.insert.mockImplementation(async (product) =>
      Object.assign(product, {
        id: 'new-id',
        organizationId: 'org',
        createdAt: new Date(),
        updatedAt: new Date(),
      }),
    );
    const created = await service.create(
      { name: 'Lamp', sku: 'LAMP-00001', price: '007.5' },
      ACTOR,
    );
    expect(created).toMatchObject({
      price: '7.50',
      status: 'active',
      description: null,
      createdBy: ACTOR,
      updatedBy: ACTOR,
    });
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'product.created',
        entityId: 'new-id',
        after: expect.objectContaining({ price: '7.50' }) as unknown,
      }),
      manager,
    );
  });

  it('turns a unique violation on the SKU into 409 CONFLICT and lets other errors through', async () => {
    repository.insert.mockRejectedValueOnce(
      Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' }),
    );
    const conflict = await service
      .create({ name: 'Lamp', sku: 'LAMP-00001', price: '1.00' }, ACTOR)
      .catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(AppException);
    expect(conflict).toMatchObject({ code: 'CONFLICT', status: 409 });

    const boom = new Error('connection lost');
    repository.insert.mockRejectedValueOnce(boom);
    await expect(
      service.create({ name: 'Lamp', sku: 'LAMP-00001', price: '1.00' }, ACTOR),
    ).rejects.toBe(boom);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('audits only the fields an update changes', async () => {
    repository.findByIdForUpdate.mockResolvedValue(stored());
    repository.update.mockResolvedValue(true);
    repository.findById.mockResolvedValue(stored({ price: '12.00', description: 'New' }));
    await service.update(stored().id, { name: 'Lamp', price: '12', description: 'New' }, ACTOR);
    expect(repository.update).toHaveBeenCalledWith(stored().id, {
      price: '12.00',
      description: 'New',
      updatedBy: ACTOR,
    });
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'product.updated',
        before: { price: '10.00', description: null },
        after: { price: '12.00', description: 'New' },
      }),
      manager,
    );
  });

  it('writes nothing and audits nothing when an update changes nothing', async () => {
    repository.findByIdForUpdate.mockResolvedValue(stored());
    const result = await service.update(stored().id, { price: '10.0', status: 'active' }, ACTOR);
    expect(result.price).toBe('10.00');
    expect(repository.update).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('answers 404 for a product the tenant does not have, for update and delete alike', async () => {
    repository.findByIdForUpdate.mockResolvedValue(null);
    await expect(service.update(stored().id, { name: 'Other' }, ACTOR)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    await expect(service.remove(stored().id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    expect(repository.update).not.toHaveBeenCalled();
    expect(repository.delete).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('refuses a price range whose minimum is above its maximum, comparing decimals exactly', async () => {
    const query = { page: 1, limit: 20, sort: 'createdAt', order: 'desc' } as const;
    await expect(
      service.list({ ...query, minPrice: '10.01', maxPrice: '10.0' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR', status: 400 });
    repository.findPage.mockResolvedValue([[stored()], 1]);
    const page = await service.list({ ...query, minPrice: '10', maxPrice: '10.00' });
    expect(page.pagination).toEqual({ page: 1, limit: 20, total: 1, totalPages: 1 });
  });
});
