import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PrincipalKind } from '../../context/request-context';
import { PLATFORM_ID } from '../../context/platform';
import { requireId } from '../../database/required-key';
import { TenantContext } from '../../tenancy/tenant-context';
import { MfaFactor } from './mfa-factor.entity';

/** Whose factor: a user of the context's tenant, or a superuser. */
export interface MfaOwner {
  kind: PrincipalKind;
  userId: string;
}

/**
 * The second factors. A tenant user's rows are read and written only under the context's
 * tenant (it throws without one, as TenantScopedRepository does); a superuser's under the
 * platform's pseudo-id. Every write that must happen once (a time step, a recovery code,
 * a confirmation) is one conditional UPDATE: of concurrent callers exactly one changes the row.
 */
@Injectable()
export class MfaFactorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repository(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(MfaFactor);
  }

  /** The organization column of the owner's row; throws for a tenant user outside a tenant. */
  scopeOf(owner: MfaOwner, operation: string): string {
    requireId(`mfa_factors.${operation}`, owner.userId);
    return owner.kind === 'platform'
      ? PLATFORM_ID
      : TenantContext.requireTenantId(`mfa_factors.${operation}`);
  }

  private where(owner: MfaOwner, operation: string) {
    return { organizationId: this.scopeOf(owner, operation), userId: owner.userId };
  }

  /** The owner's row with its sealed secrets and recovery code hashes. */
  find(owner: MfaOwner, manager?: EntityManager): Promise<MfaFactor | null> {
    return this.repository(manager)
      .createQueryBuilder('factor')
      .addSelect(['factor.secret', 'factor.pendingSecret', 'factor.recoveryCodes'])
      .where(this.where(owner, 'find'))
      .getOne();
  }

  /** Stores a setup's secret, replacing an earlier unconfirmed one; the active one is untouched. */
  async savePending(owner: MfaOwner, pendingSecret: string): Promise<void> {
    const where = this.where(owner, 'savePending');
    const repository = this.repository();
    const updated = await repository.update(where, { pendingSecret, updatedAt: new Date() });
    if ((updated.affected ?? 0) > 0) return;
    await repository.insert(
      Object.assign(new MfaFactor(), {
        ...where,
        secret: null,
        pendingSecret,
        enabledAt: null,
        lastUsedStep: null,
        recoveryCodes: null,
        version: 0,
      }),
    );
  }

  /** Makes the pending secret the active one, if it is still `pending`. True when it did. */
  async activate(
    owner: MfaOwner,
    pending: string,
    step: number,
    recoveryCodes: string[],
    manager: EntityManager,
  ): Promise<boolean> {
    const result = await this.repository(manager)
      .createQueryBuilder()
      .update()
      .set({
        secret: pending,
        pendingSecret: null,
        enabledAt: new Date(),
        lastUsedStep: step,
        recoveryCodes,
        version: () => 'version + 1',
        updatedAt: new Date(),
      })
      .where(this.where(owner, 'activate'))
      .andWhere('pending_secret = :pending', { pending })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Records a time step as used, if it is later than the last one. True when it was. `resealed`
   * replaces the secret in the same write (a secret still sealed under the previous key).
   */
  async claimStep(owner: MfaOwner, step: number, resealed?: string): Promise<boolean> {
    const result = await this.repository()
      .createQueryBuilder()
      .update()
      .set({
        lastUsedStep: step,
        ...(resealed ? { secret: resealed } : {}),
        updatedAt: new Date(),
      })
      .where(this.where(owner, 'claimStep'))
      .andWhere('enabled_at IS NOT NULL')
      .andWhere('(last_used_step IS NULL OR last_used_step < :step)', { step })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Writes the unused recovery codes, if no one changed them since `version`. True when written. */
  async saveRecoveryCodes(
    owner: MfaOwner,
    version: number,
    recoveryCodes: string[],
    manager?: EntityManager,
  ): Promise<boolean> {
    const result = await this.repository(manager)
      .createQueryBuilder()
      .update()
      .set({ recoveryCodes, version: () => 'version + 1', updatedAt: new Date() })
      .where(this.where(owner, 'saveRecoveryCodes'))
      .andWhere('version = :version', { version })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Deletes the owner's factor (active or pending). True when there was one. */
  async remove(owner: MfaOwner, manager: EntityManager): Promise<boolean> {
    const result = await this.repository(manager).delete(this.where(owner, 'remove'));
    return (result.affected ?? 0) > 0;
  }
}
