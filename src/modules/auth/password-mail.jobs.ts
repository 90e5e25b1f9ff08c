import { Inject } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { type JobContext, PermanentJobError } from '../../jobs/job';
import { JobHandler, type JobHandlerInstance } from '../../jobs/job-handler.decorator';
import { MailDelivery } from '../../mail/mail-delivery.service';
import { AccountEmails } from '../../mail/templates/account-emails';
import { canonicalEmail } from '../../security/email';
import { AccountTokens } from '../account-tokens/account-tokens.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { UsersRepository } from '../users/users.repository';

/** The jobs (and outbox event types) of the password flows. */
export const PasswordJobs = {
  /** Someone asked for a reset link for `email`; the job decides whether one is sent. */
  RESET_REQUESTED: 'mail.password-reset',
  /** A password was changed (reset or change-password): the notice to the account's address. */
  CHANGED: 'mail.password-changed',
} as const;

export type ResetRequestedPayload = { email: string };
export type PasswordChangedPayload = {
  /** The address at the moment of the change: the notice goes there, whatever happens next. */
  email: string;
  firstName: string;
  changedAt: string;
};

function requireStrings<K extends string>(job: JobContext, keys: readonly K[]): Record<K, string> {
  const values = {} as Record<K, string>;
  for (const key of keys) {
    const value = job.payload[key];
    if (typeof value !== 'string' || !value)
      throw new PermanentJobError(`Job ${job.name} has no ${key} in its payload`);
    values[key] = value;
  }
  return values;
}

/**
 * Decides a reset request in the worker, so the request answered the same for every address:
 * an active user of an active organization gets a new reset link, anyone else nothing, and
 * either outcome leaves an audit row. Earlier links stay valid until one of them is used (the
 * reset kills the others): a retry after a crash must not leave a mailed link dead.
 *
 * Retry-safe: the delivery record is checked first, so a job whose mail went out issues no
 * further token; a crash between issuing and sending leaves one unused token that expires.
 */
@JobHandler(PasswordJobs.RESET_REQUESTED)
export class PasswordResetMailHandler implements JobHandlerInstance<ResetRequestedPayload> {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: AccountTokens,
    private readonly deliveries: MailDelivery,
    private readonly emails: AccountEmails,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(job: JobContext<ResetRequestedPayload>): Promise<void> {
    const key = `${job.idempotencyKey}:reset-link`;
    if (await this.deliveries.sent(key)) return;
    const email = canonicalEmail(requireStrings(job, ['email']).email);
    const organization = await this.organizations.findById(job.organizationId);
    const user = await this.users.findByEmail(email);
    if (!organization || organization.status !== 'active' || !user || user.status !== 'active') {
      await this.audit.record({
        action: AuditAction.PASSWORD_RESET_NOT_SENT,
        userId: user?.id ?? null,
        metadata: { email, reason: user ? 'inactive' : 'unknown_email' },
      });
      return;
    }
    const { token, expiresAt } = await this.tokens.issue(
      'reset-password',
      { userId: user.id, email: user.email },
      this.config.accountTokens.passwordResetTtlSeconds,
    );
    await this.deliveries.deliver(
      key,
      organization.id,
      this.emails.resetPassword({
        to: user.email,
        organizationName: organization.name,
        firstName: user.firstName,
        token,
        expiresAt,
      }),
    );
    await this.audit.record({
      action: AuditAction.PASSWORD_RESET_LINK_SENT,
      userId: user.id,
      entityType: 'user',
      entityId: user.id,
      metadata: { email: user.email, expiresAt: expiresAt.toISOString() },
    });
  }
}

/** "Your password was changed", to the address the account had when it changed. */
@JobHandler(PasswordJobs.CHANGED)
export class PasswordChangedMailHandler implements JobHandlerInstance<PasswordChangedPayload> {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly deliveries: MailDelivery,
    private readonly emails: AccountEmails,
  ) {}

  async handle(job: JobContext<PasswordChangedPayload>): Promise<void> {
    const { email, firstName, changedAt } = requireStrings(job, [
      'email',
      'firstName',
      'changedAt',
    ]);
    const organization = await this.organizations.findById(job.organizationId);
    if (!organization)
      throw new PermanentJobError(`Organization ${job.organizationId} does not exist`);
    await this.deliveries.deliver(
      `${job.idempotencyKey}:password-changed`,
      organization.id,
      this.emails.passwordChanged({
        to: email,
        organizationName: organization.name,
        firstName,
        changedAt: new Date(changedAt),
      }),
    );
  }
}
