import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef, UserPrincipal } from '../../context/request-context';
import { isUniqueViolation, TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { OutboxService } from '../../outbox/outbox.service';
import {
  AccountTokenError,
  type AccountTokenRecord,
  AccountTokens,
} from '../account-tokens/account-tokens.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { AccountMailLimit } from './account-mail-limit';
import { verifyEmailEvent } from './account-email.jobs';
import { EmailChangeService, emailTaken } from './email-change.service';
import { tooManyRequests } from '../../rate-limit/rate-limit-response';
import { LoginThrottle } from './login-throttle';

/** What a followed link did. */
export interface EmailVerified {
  email: string;
  emailVerifiedAt: Date;
  /** True when the link was an email change's: the account's address is now `email`. */
  emailChanged: boolean;
}

/**
 * Email verification: the link of a verification mail marks the address verified, the link of
 * an email-change mail applies the change (EmailChangeService). New verification mails come
 * from registration, from POST /api/auth/email/resend and from a login refused for an
 * unverified address, the last two under one allowance per user (AccountMailLimit).
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly limit: AccountMailLimit,
    private readonly users: UsersRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly accountTokens: AccountTokens,
    private readonly audit: AuditService,
    private readonly sessions: SessionControl,
    private readonly changes: EmailChangeService,
  ) {}

  async verify(token: string, tenant: TenantRef | undefined): Promise<EmailVerified> {
    if (!tenant) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.TENANT_REQUIRED,
        'Name the organization with its subdomain or the X-Tenant-ID header',
      );
    }
    await this.throttle.limitByIp('email-verify');
    let userId: string;
    let result: EmailVerified;
    try {
      ({ userId, result } = await this.transactions.run(async (manager) => {
        const record = await this.consume(token, manager);
        if (record.purpose === 'change-email') {
          const applied = await this.changes.apply(record, manager);
          return { userId: applied.userId, result: { ...applied, emailChanged: true } };
        }
        return this.markVerified(record, manager);
      }));
    } catch (error) {
      // Another account took the address between our check and the write.
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    await this.sessions.invalidateIdentity(tenant.id, userId);
    return result;
  }

  /** Queues a new verification mail for the signed-in user: 409 once verified, 429 past the allowance. */
  async resend(principal: UserPrincipal): Promise<void> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'User not found');
    if (user.emailVerifiedAt) {
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        'Your email address is already verified',
      );
    }
    const refused = await this.limit.take('verification', user.id);
    if (refused) throw tooManyRequests(refused.policy, refused.waitSeconds);
    await this.transactions.run(async (manager) => {
      await this.audit.record(
        {
          action: AuditAction.USER_EMAIL_VERIFICATION_REQUESTED,
          entityType: 'user',
          entityId: user.id,
        },
        manager,
      );
      await this.outbox.record(manager, verifyEmailEvent(user.organizationId, user.id));
    });
  }

  /**
   * The answer to a login with the right password and an unverified address, where the
   * organization requires a verified one: audited, and a new verification mail on its way
   * unless one went out within the allowance, so getting a link needs no session.
   */
  async refuseLogin(user: User): Promise<AppException> {
    const mailed = (await this.limit.take('verification', user.id)) === null;
    await this.transactions.run(async (manager) => {
      await this.audit.record(
        {
          action: AuditAction.LOGIN_FAILED,
          organizationId: user.organizationId,
          userId: user.id,
          metadata: { email: user.email, reason: 'email_not_verified', verificationMailed: mailed },
        },
        manager,
      );
      if (mailed) await this.outbox.record(manager, verifyEmailEvent(user.organizationId, user.id));
    });
    return new AppException(
      HttpStatus.FORBIDDEN,
      ErrorCode.EMAIL_NOT_VERIFIED,
      mailed
        ? 'Verify your email address first: a new verification email is on its way'
        : 'Verify your email address first: follow the link in the verification email already sent',
    );
  }

  /** The token as a verification or an email-change link; any other purpose is invalid here. */
  private async consume(token: string, manager: EntityManager): Promise<AccountTokenRecord> {
    try {
      return await this.accountTokens.consume('verify-email', token, manager);
    } catch (error) {
      // Not a verification token (that refusal changes nothing): perhaps an email change's.
      if (!(error instanceof AccountTokenError) || error.code !== ErrorCode.TOKEN_INVALID)
        throw error;
      return this.accountTokens.consume('change-email', token, manager);
    }
  }

  /** Verified only while the account still has the address the link was mailed to. */
  private async markVerified(
    record: AccountTokenRecord,
    manager: EntityManager,
  ): Promise<{ userId: string; result: EmailVerified }> {
    const users = this.users.transactional(manager);
    const user = record.userId ? await users.findById(record.userId) : null;
    if (!user || user.status !== 'active' || user.email !== record.email)
      throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
    const emailVerifiedAt = user.emailVerifiedAt ?? new Date();
    await users.update(user.id, { emailVerifiedAt });
    await this.audit.record(
      {
        action: AuditAction.USER_EMAIL_VERIFIED,
        userId: user.id,
        entityType: 'user',
        entityId: user.id,
        after: { email: user.email },
      },
      manager,
    );
    return { userId: user.id, result: { email: user.email, emailVerifiedAt, emailChanged: false } };
  }
}
