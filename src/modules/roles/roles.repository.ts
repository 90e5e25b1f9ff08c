import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { Role } from './role.entity';
import { roleNameKey } from './role-name';

/** Role names are looked up by their canonical key (role-name.ts), never by the raw string. */
@Injectable()
export class RolesRepository extends TenantScopedRepository<Role> {
  constructor(dataSource: DataSource) {
    super(dataSource, Role);
  }

  findByName(name: string): Promise<Role | null> {
    return this.findOneScoped({ nameKey: roleNameKey(name) });
  }

  findByNames(names: string[]): Promise<Role[]> {
    const query = this.queryBuilder('role'); // throws without a tenant, even with nothing to look up
    // `IN ()` is a syntax error on MySQL/MariaDB: no names, no roles.
    if (names.length === 0) return Promise.resolve([]);
    return query
      .andWhere('role.nameKey IN (:...keys)', { keys: names.map((name) => roleNameKey(name)) })
      .getMany();
  }

  findAllOrdered(): Promise<Role[]> {
    return this.findManyScoped({}, { isBuiltIn: 'DESC', name: 'ASC' });
  }
}
