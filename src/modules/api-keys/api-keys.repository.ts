import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { requireId, requireKeys } from '../../database/required-key';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { ApiKey } from './api-key.entity';

@Injectable()
export class ApiKeysRepository extends TenantScopedRepository<ApiKey> {
  constructor(dataSource: DataSource) {
    super(dataSource, ApiKey);
  }

  /**
   * The one read of api_keys without a tenant, for authentication only: a request presents a
   * key, not an organization, and the key's row is what names the organization, which the
   * access guard then enters as the request's tenant. It returns the single row of one public
   * id (the unique index), secret HMAC included, and nothing else; every other method here is
   * scoped. src/tenancy/escape-hatches.spec.ts holds its callers to the authenticator.
   */
  findForAuthentication(publicId: string): Promise<ApiKey | null> {
    const where = { publicId };
    requireKeys('api_keys.findForAuthentication', where);
    return this.dataSource
      .getRepository(ApiKey)
      .createQueryBuilder('key')
      .addSelect('key.secretHmac')
      .where('key.publicId = :publicId', where)
      .getOne();
  }

  /** One page of the tenant's keys by creation time (newest first for `desc`). */
  findPage(page: number, limit: number, order: 'asc' | 'desc'): Promise<[ApiKey[], number]> {
    const direction = order === 'asc' ? 'ASC' : 'DESC';
    return this.queryBuilder('key')
      .orderBy('key.createdAt', direction)
      .addOrderBy('key.id', direction)
      .skip((page - 1) * limit)
      .take(limit)
      .getManyAndCount();
  }

  /** Sets revoked_at unless it is set already; true when this call revoked the key. */
  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.repository.update(
      this.scoped('revoke', { id: requireId('revoke', id), revokedAt: IsNull() }),
      {
        revokedAt: at,
        updatedAt: at,
      },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Records a use; updated_at stays, as the key itself did not change. */
  async markUsed(id: string, at: Date): Promise<void> {
    await this.repository.update(this.scoped('markUsed', { id: requireId('markUsed', id) }), {
      lastUsedAt: at,
    });
  }
}
