import type { JobContext } from '../../jobs/job';
import { PermanentJobError } from '../../jobs/job';
import { JobHandler, type JobHandlerInstance } from '../../jobs/job-handler.decorator';
import { MailDelivery } from '../../mail/mail-delivery.service';
import { AccountEmails } from '../../mail/templates/account-emails';
import { TenantContext } from '../../tenancy/tenant-context';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { UsersRepository } from '../users/users.repository';

export const MFA_NOTICE_JOB = 'mail.mfa-disabled';

export type MfaNoticePayload = {
  userId: string;
  /** `disabled` by the user, `reset` by an administrator. */
  how: 'disabled' | 'reset';
  /** ISO time of the change. */
  at: string;
};

/** Tells the user their second factor was turned off, once per event (MailDelivery's key). */
@JobHandler(MFA_NOTICE_JOB)
export class MfaNoticeHandler implements JobHandlerInstance<MfaNoticePayload> {
  constructor(
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly emails: AccountEmails,
    private readonly delivery: MailDelivery,
  ) {}

  async handle(job: JobContext<MfaNoticePayload>): Promise<void> {
    const user = await this.users.findById(job.payload.userId);
    const organization = await this.organizations.findById(TenantContext.requireTenantId(job.name));
    if (!user || !organization)
      throw new PermanentJobError(`${job.name}: user ${job.payload.userId} is gone`);
    await this.delivery.deliver(
      job.idempotencyKey,
      organization.id,
      this.emails.mfaDisabled({
        to: user.email,
        organizationName: organization.name,
        firstName: user.firstName,
        how: job.payload.how,
        at: new Date(job.payload.at),
      }),
    );
  }
}
