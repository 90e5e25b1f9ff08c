import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserPrincipal } from '../../context/request-context';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { OutboxService } from '../../outbox/outbox.service';
import type { CanonicalEmail } from '../../security/email';
import { PasswordHasher } from '../../security/password-hasher.service';
import {
  AccountTokenError,
  type AccountTokenRecord,
} from '../account-tokens/account-tokens.service';
import { AccountTokens } from '../account-tokens/account-tokens.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { AccountMailLimit } from './account-mail-limit';
import { emailChangedEvent, emailChangeEvent } from './account-email.jobs';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import { LoginThrottle } from './login-throttle';

export const emailTaken = () =>
  new AppException(
    HttpStatus.CONFLICT,
    ErrorCode.CONFLICT,
    'The new address already belongs to another account of this organization',
  );

/** The change a change-email link applied. */
export interface AppliedEmailChange {
  userId: string;
  email: CanonicalEmail;
  emailVerifiedAt: Date;
}

/**
 * Changing one's email address, in two steps. The request proves the current password
 * (throttled like change-password), ends the other sessions and queues the mails: a link to
 * the new address, a notice to the current one. The link applies the change (apply(), called
 * by the verify route), re-checking at that moment that no other account has the address.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly limit: AccountMailLimit,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly accountTokens: AccountTokens,
    private readonly audit: AuditService,
    private readonly sessions: SessionControl,
  ) {}

  /**
   * Answers the same whether or not the new address is taken: only the job looks, and only
   * mail tells. Returns how many other sessions ended.
   */
  async request(
    principal: UserPrincipal,
    newEmail: CanonicalEmail,
    password: string,
  ): Promise<number> {
    await this.throttle.attemptPasswordCheck(principal.userId);
    const user = await this.users.findByIdWithCredentials(principal.userId);
    if (!user || !(await this.hasher.verify(password, user.passwordHash))) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.INVALID_CREDENTIALS,
        'The current password is wrong',
      );
    }
    await this.throttle.passwordCheckSucceeded(principal.userId);
    if (newEmail === user.email) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'newEmail', messages: ['newEmail must differ from your current address'] }],
      );
    }
    const refused = await this.limit.take('email-change', user.id);
    if (refused) throw tooManyRequests(refused.policy, refused.waitSeconds);
    await this.transactions.run(async (manager) => {
      // A link mailed for an earlier request must not apply that one later.
      await this.accountTokens.revoke('change-email', { userId: user.id }, manager);
      await this.audit.record(
        {
          action: AuditAction.USER_EMAIL_CHANGE_REQUESTED,
          entityType: 'user',
          entityId: user.id,
          metadata: { newEmail },
        },
        manager,
      );
      await this.outbox.record(manager, emailChangeEvent(user.organizationId, user.id, newEmail));
    });
    return this.sessions.endAll(principal.organizationId, user.id, principal.sessionId);
  }

  /**
   * Applies a consumed change-email token inside the caller's transaction: the new address,
   * verified now; the user's reset links die (they were mailed to the old address); audited;
   * and the old address is told. 409 when another account holds the address by now.
   */
  async apply(record: AccountTokenRecord, manager: EntityManager): Promise<AppliedEmailChange> {
    const users = this.users.transactional(manager);
    const user = record.userId ? await users.findById(record.userId) : null;
    if (!user || user.status !== 'active') throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
    const oldEmail = user.email;
    const newEmail = record.email;
    const holder = await users.findByEmail(newEmail);
    if (holder && holder.id !== user.id) throw emailTaken();
    const emailVerifiedAt = new Date();
    await users.update(user.id, { email: newEmail, emailVerifiedAt, updatedBy: user.id });
    await this.accountTokens.revoke('reset-password', { userId: user.id }, manager);
    await this.audit.record(
      {
        action: AuditAction.USER_EMAIL_CHANGED,
        userId: user.id,
        entityType: 'user',
        entityId: user.id,
        before: { email: oldEmail },
        after: { email: newEmail },
      },
      manager,
    );
    await this.outbox.record(
      manager,
      emailChangedEvent(user.organizationId, user.id, { oldEmail, newEmail }),
    );
    return { userId: user.id, email: newEmail, emailVerifiedAt };
  }
}
