import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { requireId } from '../../database/required-key';
import { Organization } from './organization.entity';

/**
 * Organizations are the tenants themselves, so this repository is not tenant-scoped:
 * lookups by id or subdomain are how a tenant is resolved in the first place.
 * Methods that take a `manager` run inside that transaction.
 */
@Injectable()
export class OrganizationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repository(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Organization);
  }

  async findById(id: string): Promise<Organization | null> {
    return this.repository().findOne({ where: { id: requireId('organizations.findById', id) } });
  }

  /** The row, locked until the transaction ends on MySQL (SQLite runs one transaction at a time). */
  findByIdForUpdate(id: string, manager: EntityManager): Promise<Organization | null> {
    const query = this.repository(manager)
      .createQueryBuilder('organization')
      .where('organization.id = :id', { id: requireId('organizations.findByIdForUpdate', id) });
    if (this.dataSource.options.type === 'mysql') query.setLock('pessimistic_write');
    return query.getOne();
  }

  findBySubdomain(subdomain: string): Promise<Organization | null> {
    return this.repository().findOne({ where: { subdomain } });
  }

  insert(organization: Organization, manager?: EntityManager): Promise<Organization> {
    return this.repository(manager).save(organization);
  }

  async update(
    id: string,
    changes: Partial<
      Pick<Organization, 'name' | 'settings' | 'status' | 'requireVerifiedEmail' | 'mfaRequired'>
    >,
    manager?: EntityManager,
  ): Promise<void> {
    await this.repository(manager).update(
      { id: requireId('organizations.update', id) },
      { ...changes, updatedAt: new Date() },
    );
  }

  /** Every organization, newest first: platform-level listing for the superuser. */
  findPage(page: number, limit: number, order: 'asc' | 'desc'): Promise<[Organization[], number]> {
    return this.repository().findAndCount({
      order: { createdAt: order === 'asc' ? 'ASC' : 'DESC', id: 'ASC' },
      skip: (page - 1) * limit,
      take: limit,
    });
  }
}
