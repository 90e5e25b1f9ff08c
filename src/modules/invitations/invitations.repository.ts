import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CanonicalEmail } from '../../security/email';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { Invitation, type InvitationStatus } from './invitation.entity';

export const INVITATION_SORT_FIELDS = ['createdAt', 'email', 'expiresAt'] as const;
export type InvitationSortField = (typeof INVITATION_SORT_FIELDS)[number];

export interface InvitationPageFilter {
  page: number;
  limit: number;
  sort: InvitationSortField;
  order: 'asc' | 'desc';
  status?: InvitationStatus;
}

@Injectable()
export class InvitationsRepository extends TenantScopedRepository<Invitation> {
  constructor(dataSource: DataSource) {
    super(dataSource, Invitation);
  }

  findByIdWithRoles(id: string): Promise<Invitation | null> {
    return this.findById(id, { roles: true });
  }

  /** The pending invitation of this address (expired or not), if any. */
  findPendingByEmail(email: CanonicalEmail): Promise<Invitation | null> {
    return this.findOneScoped({ pendingEmail: email });
  }

  /**
   * The invitation with its roles, its row locked until the transaction ends on MySQL (SQLite
   * runs one transaction at a time): accept, revoke, resend and the send job serialize on it.
   */
  async findByIdForUpdate(id: string): Promise<Invitation | null> {
    const query = this.queryBuilder('invitation').andWhere('invitation.id = :id', { id });
    if (this.dataSource.options.type === 'mysql') query.setLock('pessimistic_write');
    const locked = await query.getOne();
    return locked ? this.findByIdWithRoles(locked.id) : null;
  }

  /** One page with the roles; "expired" and "pending" are told apart by expires_at. */
  async findPage(filter: InvitationPageFilter, now: Date): Promise<[Invitation[], number]> {
    const query = this.queryBuilder('invitation').leftJoinAndSelect('invitation.roles', 'role');
    if (filter.status === 'pending' || filter.status === 'expired')
      query
        .andWhere("invitation.status = 'pending'")
        .andWhere(
          filter.status === 'pending'
            ? 'invitation.expiresAt > :now'
            : 'invitation.expiresAt <= :now',
          { now },
        );
    else if (filter.status)
      query.andWhere('invitation.status = :status', { status: filter.status });
    query
      .orderBy(`invitation.${filter.sort}`, filter.order === 'asc' ? 'ASC' : 'DESC')
      .addOrderBy('invitation.id', 'ASC')
      .skip((filter.page - 1) * filter.limit)
      .take(filter.limit);
    return query.getManyAndCount();
  }
}
