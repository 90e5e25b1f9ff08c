import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { TenantRef } from '../../context/request-context';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { OutboxService } from '../../outbox/outbox.service';
import type { CanonicalEmail } from '../../security/email';
import { PasswordHasher } from '../../security/password-hasher.service';
import { AccountTokenError, AccountTokens } from '../account-tokens/account-tokens.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { EmailRateLimit } from './email-rate-limit';
import { LoginThrottle } from './login-throttle';
import { type PasswordChangedPayload, PasswordJobs } from './password-mail.jobs';

function requireTenant(tenant: TenantRef | undefined): TenantRef {
  if (tenant) return tenant;
  throw new AppException(
    HttpStatus.BAD_REQUEST,
    ErrorCode.TENANT_REQUIRED,
    'Name the organization with its subdomain or the X-Tenant-ID header',
  );
}

/**
 * The forgotten-password flow of a tenant's users. Superusers live outside every organization,
 * so this route never reaches them: `npm run superuser:create` resets theirs.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly emailLimit: EmailRateLimit,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccountTokens,
    private readonly sessions: SessionControl,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Records the request and nothing else: no user is looked up here, so the answer and its
   * timing are the same for every address. The job (PasswordResetMailHandler) decides.
   */
  async forgot(email: CanonicalEmail, hinted: TenantRef | undefined): Promise<void> {
    const tenant = requireTenant(hinted);
    await this.throttle.limitByIp('password-forgot');
    await this.emailLimit.limit('password-forgot', tenant.id, email, {
      name: 'password-reset-email',
      limit: this.config.passwordReset.emailRateLimit,
      windowSeconds: this.config.passwordReset.emailRateWindowSeconds,
    });
    await this.transactions.run(async (manager) => {
      await this.audit.record(
        { action: AuditAction.PASSWORD_RESET_REQUESTED, metadata: { email } },
        manager,
      );
      await this.outbox.record(manager, {
        type: PasswordJobs.RESET_REQUESTED,
        organizationId: tenant.id,
        payload: { email },
      });
    });
  }

  /**
   * Sets the password of the token's user. In one transaction: the token is used up, the hash
   * written, every other reset link of the user killed, the audit row and the "password
   * changed" notice recorded, and, last, every session ended: if that fails (Redis down),
   * nothing changed and the link still works.
   */
  async reset(token: string, password: string, hinted: TenantRef | undefined): Promise<number> {
    requireTenant(hinted);
    await this.throttle.limitByIp('password-reset');
    // Before the transaction: on SQLite transactions run one at a time, and bcrypt is slow.
    const passwordHash = await this.hasher.hash(password);
    return this.transactions.run(async (manager) => {
      const record = await this.tokens.consume('reset-password', token, manager);
      const users = this.users.transactional(manager);
      const user = record.userId ? await users.findById(record.userId) : null;
      if (!user || user.status !== 'active') throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
      // Sent to an address the account no longer has: that mailbox must not take it over.
      if (user.email !== record.email) throw new AccountTokenError(ErrorCode.TOKEN_USED);
      const changedAt = new Date();
      // Following the link proved the address, so it counts as verified.
      await users.update(user.id, {
        passwordHash,
        emailVerifiedAt: user.emailVerifiedAt ?? changedAt,
        updatedBy: user.id,
      });
      await this.tokens.revoke('reset-password', { userId: user.id }, manager);
      await this.audit.record(
        { action: AuditAction.PASSWORD_RESET, userId: user.id, metadata: { email: user.email } },
        manager,
      );
      const notice: PasswordChangedPayload = {
        email: user.email,
        firstName: user.firstName,
        changedAt: changedAt.toISOString(),
      };
      await this.outbox.record(manager, {
        type: PasswordJobs.CHANGED,
        organizationId: user.organizationId,
        payload: notice,
      });
      return this.sessions.endAll(user.organizationId, user.id);
    });
  }
}
