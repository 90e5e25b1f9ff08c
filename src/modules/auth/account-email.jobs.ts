import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { type JobContext, type JobPayload, PermanentJobError } from '../../jobs/job';
import { JobHandler, type JobHandlerInstance } from '../../jobs/job-handler.decorator';
import { LOGGER } from '../../logging/logger';
import { MailDelivery } from '../../mail/mail-delivery.service';
import { AccountEmails } from '../../mail/templates/account-emails';
import type { OutboxEventInput } from '../../outbox/outbox.service';
import { type CanonicalEmail, canonicalEmail } from '../../security/email';
import { AccountTokens } from '../account-tokens/account-tokens.service';
import type { Organization } from '../organizations/organization.entity';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';

/**
 * The jobs that mail verification and email-change links. Payloads name the user and, where
 * the database cannot say it any more, an address; never a token: each token is made here, in
 * the job, and exists only in the mail it is sent in. Every job is safe to run again: a mail
 * already sent under its key is not sent again, and no token is made for it.
 */
export const ACCOUNT_EMAIL_JOBS = {
  /** Verification link to the user's current address (registration, resend, refused login). */
  verifyEmail: 'mail.verify-email',
  /** Change requested: the link to the new address, a notice to the current one. */
  emailChange: 'mail.email-change',
  /** Change applied: a notice to the old address. */
  emailChanged: 'mail.email-changed',
} as const;

export function verifyEmailEvent(organizationId: string, userId: string): OutboxEventInput {
  return { type: ACCOUNT_EMAIL_JOBS.verifyEmail, organizationId, payload: { userId } };
}

export function emailChangeEvent(
  organizationId: string,
  userId: string,
  newEmail: CanonicalEmail,
): OutboxEventInput {
  return { type: ACCOUNT_EMAIL_JOBS.emailChange, organizationId, payload: { userId, newEmail } };
}

export function emailChangedEvent(
  organizationId: string,
  userId: string,
  change: { oldEmail: CanonicalEmail; newEmail: CanonicalEmail },
): OutboxEventInput {
  return { type: ACCOUNT_EMAIL_JOBS.emailChanged, organizationId, payload: { userId, ...change } };
}

/** A string field of the payload; a payload without it can never succeed. */
function field(job: JobContext, name: string): string {
  const value = job.payload[name];
  if (typeof value !== 'string' || !value)
    throw new PermanentJobError(`Job ${job.name} has no ${name} in its payload`);
  return value;
}

/** What every account mail job reads first: the user (only an active one gets mail) and the organization. */
@Injectable()
class AccountMailJob {
  constructor(
    protected readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    protected readonly tokens: AccountTokens,
    protected readonly emails: AccountEmails,
    protected readonly delivery: MailDelivery,
  ) {}

  protected async recipient(
    job: JobContext,
  ): Promise<{ user: User; organization: Organization } | null> {
    const user = await this.users.findById(field(job, 'userId'));
    if (!user || user.status !== 'active') return null;
    const organization = await this.organizations.findById(job.organizationId);
    if (!organization) throw new PermanentJobError(`Job ${job.name}: no organization`);
    return { user, organization };
  }
}

@JobHandler(ACCOUNT_EMAIL_JOBS.verifyEmail)
export class VerifyEmailMailJob extends AccountMailJob implements JobHandlerInstance {
  async handle(job: JobContext<JobPayload>): Promise<void> {
    const key = `${job.idempotencyKey}:verify-email`;
    if (await this.delivery.sent(key)) return;
    const found = await this.recipient(job);
    // Verified in the meantime (an earlier link, or an email change): nothing to confirm.
    if (!found || found.user.emailVerifiedAt) return;
    const { user, organization } = found;
    const { token, expiresAt } = await this.tokens.issue(
      'verify-email',
      { userId: user.id, email: user.email },
      this.tokens.ttlSeconds('verify-email'),
    );
    await this.delivery.deliver(
      key,
      organization.id,
      this.emails.verifyEmail({
        to: user.email,
        organizationName: organization.name,
        firstName: user.firstName,
        token,
        expiresAt,
        emailChange: false,
      }),
    );
  }
}

/**
 * The notice goes to the current address whatever happens next: it tells the owner that
 * someone with the password asked. The link goes to the new address unless that address
 * already belongs to an account of the organization; then nothing is sent there (the change
 * could never apply) and the requester, who got the same 202 either way, learns nothing.
 */
@JobHandler(ACCOUNT_EMAIL_JOBS.emailChange)
export class EmailChangeMailJob extends AccountMailJob implements JobHandlerInstance {
  constructor(
    users: UsersRepository,
    organizations: OrganizationsRepository,
    tokens: AccountTokens,
    emails: AccountEmails,
    delivery: MailDelivery,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(users, organizations, tokens, emails, delivery);
  }

  async handle(job: JobContext<JobPayload>): Promise<void> {
    const newEmail = canonicalEmail(field(job, 'newEmail'));
    const found = await this.recipient(job);
    if (!found || found.user.email === newEmail) return;
    const { user, organization } = found;
    await this.delivery.deliver(
      `${job.idempotencyKey}:notice`,
      organization.id,
      this.emails.emailChanged({
        to: user.email,
        organizationName: organization.name,
        firstName: user.firstName,
        newEmail,
        applied: false,
      }),
    );
    const key = `${job.idempotencyKey}:verify-new-email`;
    if (await this.delivery.sent(key)) return;
    if (await this.users.findByEmail(newEmail)) {
      this.logger.info(
        { userId: user.id, organizationId: organization.id },
        'email change not mailed: the new address belongs to another account',
      );
      return;
    }
    // One pending change at a time: the latest request's link is the only one that works.
    await this.tokens.revoke('change-email', { userId: user.id });
    const { token, expiresAt } = await this.tokens.issue(
      'change-email',
      { userId: user.id, email: newEmail },
      this.tokens.ttlSeconds('change-email'),
    );
    await this.delivery.deliver(
      key,
      organization.id,
      this.emails.verifyEmail({
        to: newEmail,
        organizationName: organization.name,
        firstName: user.firstName,
        token,
        expiresAt,
        emailChange: true,
      }),
    );
  }
}

@JobHandler(ACCOUNT_EMAIL_JOBS.emailChanged)
export class EmailChangedMailJob extends AccountMailJob implements JobHandlerInstance {
  async handle(job: JobContext<JobPayload>): Promise<void> {
    const found = await this.recipient(job);
    if (!found) return;
    await this.delivery.deliver(
      `${job.idempotencyKey}:notice`,
      found.organization.id,
      this.emails.emailChanged({
        to: canonicalEmail(field(job, 'oldEmail')),
        organizationName: found.organization.name,
        firstName: found.user.firstName,
        newEmail: canonicalEmail(field(job, 'newEmail')),
        applied: true,
      }),
    );
  }
}
