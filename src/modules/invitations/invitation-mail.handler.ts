import { Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { TransactionRunner } from '../../database/transaction-runner.service';
import type { JobContext } from '../../jobs/job';
import { JobHandler, type JobHandlerInstance } from '../../jobs/job-handler.decorator';
import { LOGGER } from '../../logging/logger';
import { MailDelivery } from '../../mail/mail-delivery.service';
import { AccountEmails } from '../../mail/templates/account-emails';
import { AccountTokens } from '../account-tokens/account-tokens.service';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { UsersRepository } from '../users/users.repository';
import { INVITATION_MAIL_JOB, type InvitationMailPayload } from './invitation-events';
import { InvitationsRepository } from './invitations.repository';

/**
 * Issues the invitation's token and sends the invitation email, as the invitation's tenant.
 * Delivery is at least once, so: a key already sent stops the job before any token is made;
 * a job superseded by a resend, or for an invitation no longer pending, sends nothing; and the
 * token is issued under the invitation's row lock after killing the live tokens an earlier,
 * crashed attempt may have left, so only the token in the mail about to go out works.
 */
@JobHandler(INVITATION_MAIL_JOB)
export class InvitationMailHandler implements JobHandlerInstance<InvitationMailPayload> {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: AccountTokens,
    private readonly transactions: TransactionRunner,
    private readonly delivery: MailDelivery,
    private readonly emails: AccountEmails,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(job: JobContext<InvitationMailPayload>): Promise<void> {
    const deliveryKey = `${job.idempotencyKey}:invitation`;
    if (await this.delivery.sent(deliveryKey)) return;
    const { invitationId, sendCount } = job.payload;
    const issued = await this.transactions.run(async (manager) => {
      const invitation = await this.invitations
        .transactional(manager)
        .findByIdForUpdate(invitationId);
      const ttlMs = invitation ? invitation.expiresAt.getTime() - Date.now() : 0;
      if (
        !invitation ||
        invitation.status !== 'pending' ||
        invitation.sendCount !== sendCount ||
        ttlMs <= 0
      )
        return null;
      await this.tokens.revoke('invitation', { invitationId }, manager);
      const { token, expiresAt } = await this.tokens.issue(
        'invitation',
        { invitationId, email: invitation.email },
        ttlMs / 1000,
        manager,
      );
      return { invitation, token, expiresAt };
    });
    if (!issued) {
      this.logger.info(
        { jobId: job.id, invitationId },
        'invitation no longer awaits this mail; nothing sent',
      );
      return;
    }
    const { invitation, token, expiresAt } = issued;
    const organization = await this.organizations.findById(job.organizationId);
    const inviter = invitation.invitedBy ? await this.users.findById(invitation.invitedBy) : null;
    const organizationName = organization?.name ?? '';
    await this.delivery.deliver(
      deliveryKey,
      job.organizationId,
      this.emails.invitation({
        to: invitation.email,
        organizationName,
        inviterName: inviter ? `${inviter.firstName} ${inviter.lastName}` : organizationName,
        token,
        expiresAt,
      }),
    );
  }
}
