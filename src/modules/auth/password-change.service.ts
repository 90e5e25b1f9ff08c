import { HttpStatus, Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { OutboxService } from '../../outbox/outbox.service';
import { PasswordHasher } from '../../security/password-hasher.service';
import { AccountTokens } from '../account-tokens/account-tokens.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionService } from '../sessions/session.service';
import { UsersRepository } from '../users/users.repository';
import { LoginThrottle } from './login-throttle';
import { type PasswordChangedPayload, PasswordJobs } from './password-mail.jobs';

/**
 * Changing one's own password: proves the current one (throttled), kills every password reset
 * link of the user, has the "password changed" notice sent, then ends every other session.
 */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly accountTokens: AccountTokens,
    private readonly outbox: OutboxService,
  ) {}

  async changePassword(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
  ): Promise<number> {
    await this.throttle.attemptPasswordCheck(principal.userId);
    const user = await this.users.findByIdWithCredentials(principal.userId);
    if (!user || !(await this.hasher.verify(currentPassword, user.passwordHash))) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.INVALID_CREDENTIALS,
        'The current password is wrong',
      );
    }
    if (await this.hasher.verify(newPassword, user.passwordHash)) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'newPassword', messages: ['newPassword must differ from the current password'] }],
      );
    }
    await this.throttle.passwordCheckSucceeded(principal.userId);
    const passwordHash = await this.hasher.hash(newPassword);
    // The new hash, the end of the reset links, the audit row and the notice commit together;
    // the other sessions end once it is committed.
    await this.transactions.run(async (manager) => {
      await this.users
        .transactional(manager)
        .update(user.id, { passwordHash, updatedBy: principal.userId });
      // A reset link mailed before the change must not undo it.
      await this.accountTokens.revoke('reset-password', { userId: user.id }, manager);
      await this.audit.record(
        { action: AuditAction.PASSWORD_CHANGED, entityType: 'user', entityId: user.id },
        manager,
      );
      const notice: PasswordChangedPayload = {
        email: user.email,
        firstName: user.firstName,
        changedAt: new Date().toISOString(),
      };
      await this.outbox.record(manager, {
        type: PasswordJobs.CHANGED,
        organizationId: user.organizationId,
        payload: notice,
      });
    });
    const ended = await this.sessions.endAll(
      principal.organizationId,
      principal.userId,
      principal.sessionId,
    );
    return ended;
  }
}
