import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { TransactionRunner } from '../../database/transaction-runner.service';
import type { JobContext } from '../../jobs/job';
import type { MailDelivery } from '../../mail/mail-delivery.service';
import { AccountEmails } from '../../mail/templates/account-emails';
import type { CanonicalEmail } from '../../security/email';
import type { AccountTokens } from '../account-tokens/account-tokens.service';
import type { OrganizationsRepository } from '../organizations/organizations.repository';
import type { UsersRepository } from '../users/users.repository';
import type { InvitationMailPayload } from './invitation-events';
import { InvitationMailHandler } from './invitation-mail.handler';
import { Invitation } from './invitation.entity';
import type { InvitationsRepository } from './invitations.repository';

const ORG = '33333333-3333-4333-8333-333333333333';
const INVITATION = '22222222-2222-4222-8222-222222222222';
const manager = {} as EntityManager;

function pending(overrides: Partial<Invitation> = {}): Invitation {
  return Object.assign(new Invitation(), {
    id: INVITATION,
    organizationId: ORG,
    email: 'grace@example.test' as CanonicalEmail,
    status: 'pending',
    invitedBy: null,
    sendCount: 2,
    expiresAt: new Date(Date.now() + 3600_000),
    roles: [],
    ...overrides,
  });
}

const job = (sendCount = 2): JobContext<InvitationMailPayload> => ({
  id: 'job-1',
  name: 'mail.invitation',
  organizationId: ORG,
  payload: { invitationId: INVITATION, sendCount },
  idempotencyKey: 'outbox:event-1',
  attempt: 1,
});

describe('InvitationMailHandler', () => {
  let invitations: jest.Mocked<Pick<InvitationsRepository, 'transactional' | 'findByIdForUpdate'>>;
  let tokens: jest.Mocked<Pick<AccountTokens, 'revoke' | 'issue'>>;
  let delivery: jest.Mocked<Pick<MailDelivery, 'sent' | 'deliver'>>;
  let handler: InvitationMailHandler;

  beforeEach(() => {
    invitations = { transactional: jest.fn(), findByIdForUpdate: jest.fn() };
    invitations.transactional.mockReturnValue(invitations as unknown as InvitationsRepository);
    tokens = {
      revoke: jest.fn().mockResolvedValue(0),
      issue: jest.fn().mockResolvedValue({ token: 'the-token', expiresAt: new Date() }),
    };
    delivery = { sent: jest.fn().mockResolvedValue(false), deliver: jest.fn() };
    const organizations: Pick<OrganizationsRepository, 'findById'> = {
      findById: jest.fn().mockResolvedValue({ name: 'Acme' }),
    };
    const users: Pick<UsersRepository, 'findById'> = { findById: jest.fn() };
    const transactions: Pick<TransactionRunner, 'run'> = { run: (work) => work(manager) };
    const logger = { info: jest.fn() } as unknown as Logger;
    handler = new InvitationMailHandler(
      invitations as unknown as InvitationsRepository,
      organizations as OrganizationsRepository,
      users as UsersRepository,
      tokens as unknown as AccountTokens,
      transactions as TransactionRunner,
      delivery as unknown as MailDelivery,
      new AccountEmails('https://app.example.test'),
      logger,
    );
  });

  it('issues a token under the row lock, after killing stale ones, and sends it under the job key', async () => {
    invitations.findByIdForUpdate.mockResolvedValue(pending());
    await handler.handle(job());
    expect(tokens.revoke).toHaveBeenCalledWith('invitation', { invitationId: INVITATION }, manager);
    expect(tokens.revoke.mock.invocationCallOrder[0]).toBeLessThan(
      tokens.issue.mock.invocationCallOrder[0],
    );
    expect(tokens.issue.mock.calls[0][3]).toBe(manager);
    const [key, organizationId, message] = delivery.deliver.mock.calls[0];
    expect([key, organizationId]).toEqual(['outbox:event-1:invitation', ORG]);
    expect(message.text).toContain('https://app.example.test/accept-invitation?token=the-token');
  });

  it('stops before making a token when the mail of this job already went out', async () => {
    delivery.sent.mockResolvedValue(true);
    await handler.handle(job());
    expect(invitations.findByIdForUpdate).not.toHaveBeenCalled();
    expect(tokens.issue).not.toHaveBeenCalled();
    expect(delivery.deliver).not.toHaveBeenCalled();
  });

  it.each([
    ['superseded by a resend', pending({ sendCount: 3 })],
    ['revoked', pending({ status: 'revoked' })],
    ['accepted', pending({ status: 'accepted' })],
    ['expired', pending({ expiresAt: new Date(Date.now() - 1000) })],
    ['gone', null],
  ])('sends nothing and makes no token for an invitation %s', async (_, invitation) => {
    invitations.findByIdForUpdate.mockResolvedValue(invitation);
    await handler.handle(job());
    expect(tokens.revoke).not.toHaveBeenCalled();
    expect(tokens.issue).not.toHaveBeenCalled();
    expect(delivery.deliver).not.toHaveBeenCalled();
  });

  it('issues the token for the time the invitation has left', async () => {
    invitations.findByIdForUpdate.mockResolvedValue(
      pending({ expiresAt: new Date(Date.now() + 600_000) }),
    );
    await handler.handle(job());
    const ttlSeconds = tokens.issue.mock.calls[0][2];
    expect(ttlSeconds).toBeGreaterThan(590);
    expect(ttlSeconds).toBeLessThanOrEqual(600);
  });
});
