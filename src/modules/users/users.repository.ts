import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { containsPattern, LIKE_ESCAPE } from '../../database/like';
import { type CanonicalEmail, canonicalEmail } from '../../security/email';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { roleNameKey } from '../roles/role-name';
import { User } from './user.entity';

@Injectable()
export class UsersRepository extends TenantScopedRepository<User> {
  constructor(dataSource: DataSource) {
    super(dataSource, User);
  }

  /** The user with roles and, for credential checks only, the password hash. */
  findByEmailWithCredentials(email: CanonicalEmail): Promise<User | null> {
    return this.findOneScoped(
      { email },
      { relations: { roles: true }, withSecrets: ['passwordHash'] },
    );
  }

  findByIdWithCredentials(id: string): Promise<User | null> {
    return this.findOneScoped(
      { id },
      { relations: { roles: true }, withSecrets: ['passwordHash'] },
    );
  }

  findByIdWithRoles(id: string): Promise<User | null> {
    return this.findById(id, { roles: true });
  }

  findByEmail(email: CanonicalEmail): Promise<User | null> {
    return this.findOneScoped({ email });
  }

  /** One page of users with their roles, filtered and sorted by allowlisted columns only, from a replica. */
  findPage(filter: UserPageFilter): Promise<[User[], number]> {
    return this.onReplica((replica) => replica.pageQuery(filter).getManyAndCount());
  }

  private pageQuery(filter: UserPageFilter) {
    const query = this.queryBuilder('user').leftJoinAndSelect('user.roles', 'role');
    if (filter.search) {
      // Emails are stored canonical and compared byte for byte, so the search term is put in that form too.
      query.andWhere(
        `(user.email LIKE :emailPattern ${LIKE_ESCAPE} OR user.firstName LIKE :pattern ${LIKE_ESCAPE} OR user.lastName LIKE :pattern ${LIKE_ESCAPE})`,
        {
          emailPattern: containsPattern(canonicalEmail(filter.search)),
          pattern: containsPattern(filter.search),
        },
      );
    }
    if (filter.status) query.andWhere('user.status = :status', { status: filter.status });
    if (filter.role) {
      query.andWhere(
        'user.id IN (SELECT ur.user_id FROM user_roles ur INNER JOIN roles r ON r.id = ur.role_id WHERE r.name_key = :roleKey AND r.organization_id = user.organization_id)',
        { roleKey: roleNameKey(filter.role) },
      );
    }
    return query
      .orderBy(`user.${filter.sort}`, filter.order === 'asc' ? 'ASC' : 'DESC')
      .addOrderBy('user.id', 'ASC')
      .skip((filter.page - 1) * filter.limit)
      .take(filter.limit);
  }

  /** Ids of the active users holding a role, for cache invalidation and the last-admin rule. */
  async findActiveIdsWithRole(
    roleName: string,
    options: { lockForUpdate?: boolean } = {},
  ): Promise<string[]> {
    const query = this.queryBuilder('user')
      .innerJoin('user.roles', 'role', 'role.name = :roleName', { roleName })
      .andWhere('user.status = :status', { status: 'active' })
      .select('user.id', 'id');
    // MySQL: lock the rows so two concurrent demotions cannot both see "another admin is left".
    // SQLite needs no lock: its transactions run one at a time (TransactionRunner).
    if (options.lockForUpdate && this.dataSource.options.type === 'mysql')
      query.setLock('pessimistic_write');
    const rows = await query.getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  async findIdsWithRoleId(roleId: string): Promise<string[]> {
    const rows = await this.queryBuilder('user')
      .innerJoin('user.roles', 'role', 'role.id = :roleId', { roleId })
      .select('user.id', 'id')
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  async findAllIds(): Promise<string[]> {
    const rows = await this.queryBuilder('user')
      .select('user.id', 'id')
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }
}

export const USER_SORT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'createdAt',
  'lastLoginAt',
] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

export interface UserPageFilter {
  page: number;
  limit: number;
  sort: UserSortField;
  order: 'asc' | 'desc';
  search?: string;
  status?: 'active' | 'disabled';
  role?: string;
}
