import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, IsNull, MoreThan } from 'typeorm';
import { TenantScopedRepository } from '../../tenancy/tenant-scoped.repository';
import { AccountToken, type AccountTokenPurpose } from './account-token.entity';

export type AccountTokenSubjectKey = { userId: string } | { invitationId: string };

@Injectable()
export class AccountTokensRepository extends TenantScopedRepository<AccountToken> {
  constructor(dataSource: DataSource) {
    super(dataSource, AccountToken);
  }

  findByHash(tokenHash: string): Promise<AccountToken | null> {
    return this.findOneScoped({ tokenHash });
  }

  /**
   * Marks the token used when it is this tenant's, of this purpose, unused and unexpired, in
   * one conditional UPDATE: of any number of concurrent callers exactly one changes the row,
   * so exactly one gets true.
   */
  async markUsed(tokenHash: string, purpose: AccountTokenPurpose, now: Date): Promise<boolean> {
    return (await this.markLiveUsed('markUsed', { tokenHash, purpose }, now)) === 1;
  }

  /** Marks every live token of this purpose and subject used; returns how many there were. */
  markSubjectUsed(
    purpose: AccountTokenPurpose,
    subject: AccountTokenSubjectKey,
    now: Date,
  ): Promise<number> {
    return this.markLiveUsed('markSubjectUsed', { purpose, ...subject }, now);
  }

  private async markLiveUsed(
    operation: string,
    where: FindOptionsWhere<AccountToken>,
    now: Date,
  ): Promise<number> {
    const result = await this.repository.update(
      this.scoped(operation, { ...where, usedAt: IsNull(), expiresAt: MoreThan(now) }),
      { usedAt: now, updatedAt: now },
    );
    return result.affected ?? 0;
  }
}
