import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { Role } from './role.entity';

@Injectable()
export class RolesRepository extends TenantScopedRepository<Role> {
  constructor(dataSource: DataSource) {
    super(dataSource, Role);
  }

  findByName(name: string): Promise<Role | null> {
    return this.findOneScoped({ name });
  }

  findByNames(names: string[]): Promise<Role[]> {
    const query = this.queryBuilder('role'); // throws without a tenant, even with nothing to look up
    // `IN ()` is a syntax error on MySQL/MariaDB: no names, no roles.
    if (names.length === 0) return Promise.resolve([]);
    return query.andWhere('role.name IN (:...names)', { names }).getMany();
  }

  findAllOrdered(): Promise<Role[]> {
    return this.findManyScoped({}, { isBuiltIn: 'DESC', name: 'ASC' });
  }
}
