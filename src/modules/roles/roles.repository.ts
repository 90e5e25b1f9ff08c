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
    return this.queryBuilder('role').andWhere('role.name IN (:...names)', { names }).getMany();
  }

  findAllOrdered(): Promise<Role[]> {
    return this.findManyScoped({}, { isBuiltIn: 'DESC', name: 'ASC' });
  }
}
