import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Organization } from './organization.entity';

/**
 * Organizations are the tenants themselves, so this repository is not tenant-scoped:
 * lookups by id or subdomain are how a tenant is resolved in the first place.
 */
@Injectable()
export class OrganizationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repository(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Organization);
  }

  findById(id: string): Promise<Organization | null> {
    return this.repository().findOne({ where: { id } });
  }

  findBySubdomain(subdomain: string): Promise<Organization | null> {
    return this.repository().findOne({ where: { subdomain } });
  }

  insert(organization: Organization, manager?: EntityManager): Promise<Organization> {
    return this.repository(manager).save(organization);
  }
}
