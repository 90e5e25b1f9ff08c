import { HttpStatus, Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../../context/request-context';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { assertHoldsAll } from '../roles/permission-hierarchy';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { MfaEnrolment } from './mfa-enrolment.service';

/**
 * An administrator turns off a user's second factor (a lost phone and no recovery code left):
 * audited, every session of the user ends, and the user is told by mail. Like every action on
 * a user, it needs every permission the user holds; one's own goes through DELETE /api/auth/mfa/totp.
 */
@Injectable()
export class MfaReset {
  constructor(
    private readonly users: UsersRepository,
    private readonly enrolment: MfaEnrolment,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly sessions: SessionControl,
  ) {}

  async reset(actor: UserPrincipal, userId: string): Promise<number> {
    if (userId === actor.userId)
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.BAD_REQUEST,
        'Turn off your own two-factor authentication with DELETE /api/auth/mfa/totp',
      );
    const user = await this.users.findByIdWithRoles(userId);
    if (!user) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'User not found');
    assertHoldsAll(
      actor,
      user.roles.flatMap((role) => role.permissions),
      'change a user who holds',
    );
    await this.transactions.run(async (manager) => {
      const removed = await this.enrolment.turnOff(
        { kind: 'tenant', userId },
        actor.organizationId,
        'reset',
        manager,
      );
      if (!removed)
        throw new AppException(
          HttpStatus.CONFLICT,
          ErrorCode.CONFLICT,
          'This user has not set up two-factor authentication',
        );
      await this.audit.record(
        { action: AuditAction.MFA_RESET, entityType: 'user', entityId: userId },
        manager,
      );
    });
    const ended = await this.sessions.endAll(actor.organizationId, userId);
    await this.sessions.invalidateIdentity(actor.organizationId, userId);
    return ended;
  }
}
