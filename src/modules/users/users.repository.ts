import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { User } from './user.entity';

@Injectable()
export class UsersRepository extends TenantScopedRepository<User> {
  constructor(dataSource: DataSource) {
    super(dataSource, User);
  }

  /** The user with roles and, for credential checks only, the password hash. */
  findByEmailWithCredentials(email: string): Promise<User | null> {
    return this.findOneScoped({ email }, { relations: { roles: true }, withSecrets: ['passwordHash'] });
  }

  findByIdWithCredentials(id: string): Promise<User | null> {
    return this.findOneScoped({ id }, { relations: { roles: true }, withSecrets: ['passwordHash'] });
  }

  findByIdWithRoles(id: string): Promise<User | null> {
    return this.findById(id, { roles: true });
  }
}
