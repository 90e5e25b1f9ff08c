import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { Principal } from '../../context/request-context';
import { isUniqueViolation, TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { OutboxService } from '../../outbox/outbox.service';
import { AccountTokens } from '../account-tokens/account-tokens.service';
import { type AuditActionCode, AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { assertHoldsAll } from '../roles/permission-hierarchy';
import { permissionsOf, rolesToGrant } from '../roles/role-grants';
import { RolesRepository } from '../roles/roles.repository';
import { UsersRepository } from '../users/users.repository';
import {
  type CreateInvitationDto,
  InvitationResponseDto,
  type ListInvitationsQueryDto,
} from './dto/invitations.dto';
import { INVITATION_MAIL_JOB, type InvitationMailPayload } from './invitation-events';
import { Invitation, invitationStatus } from './invitation.entity';
import { InvitationsRepository } from './invitations.repository';

const conflict = (message: string) =>
  new AppException(HttpStatus.CONFLICT, ErrorCode.CONFLICT, message);
const alreadyMember = () => conflict('A user with this email already exists');
const alreadyInvited = () =>
  conflict('A pending invitation for this email exists; resend it instead');
const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Invitation not found');

/** What an audit row says about an invitation: never a token. */
function snapshot(invitation: Invitation, now = new Date()): Record<string, unknown> {
  return {
    email: invitation.email,
    roles: (invitation.roles ?? []).map((role) => role.name).sort(),
    status: invitationStatus(invitation, now),
    expiresAt: invitation.expiresAt.toISOString(),
  };
}

/**
 * Invitations as the organization's administrators see them: invite, list, resend, revoke.
 * An invitation grants no permission its inviter lacks (the rule of user creation), and
 * nobody resends or revokes one that grants more than they hold. Each change commits with its
 * audit row and, when mail must go out, its outbox event; the token is made by the send job.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly tokens: AccountTokens,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: ListInvitationsQueryDto): Promise<PaginatedResult<InvitationResponseDto>> {
    const now = new Date();
    const [rows, total] = await this.invitations.findPage(query, now);
    return new PaginatedResult(
      rows.map((row) => InvitationResponseDto.from(row, now)),
      query.page,
      query.limit,
      total,
    );
  }

  async create(dto: CreateInvitationDto, actor: Principal): Promise<InvitationResponseDto> {
    const roles = await rolesToGrant(this.roles, dto.roles, actor);
    if (await this.users.findByEmail(dto.email)) throw alreadyMember();
    if (await this.invitations.findPendingByEmail(dto.email)) throw alreadyInvited();
    try {
      const invitation = await this.transactions.run(async (manager) => {
        const inserted = await this.invitations.transactional(manager).insert(
          Object.assign(new Invitation(), {
            email: dto.email,
            pendingEmail: dto.email,
            status: 'pending',
            invitedBy: actor.userId,
            sendCount: 1,
            expiresAt: this.newExpiry(),
            acceptedAt: null,
            revokedAt: null,
            roles,
          }),
        );
        await this.queueMail(manager, inserted);
        await this.record(manager, AuditAction.INVITATION_CREATED, inserted, undefined);
        return inserted;
      });
      return InvitationResponseDto.from(invitation);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyInvited();
      throw error;
    }
  }

  /** A new link with a fresh expiry; the old link dies in this transaction. */
  async resend(id: string, actor: Principal): Promise<InvitationResponseDto> {
    return this.changePending(id, actor, AuditAction.INVITATION_RESENT, async (manager, row) => {
      await this.tokens.revoke('invitation', { invitationId: row.id }, manager);
      row.expiresAt = this.newExpiry();
      row.sendCount += 1;
      await this.queueMail(manager, row);
    });
  }

  /** The invitation ends and its link dies with it. */
  async revoke(id: string, actor: Principal): Promise<InvitationResponseDto> {
    return this.changePending(id, actor, AuditAction.INVITATION_REVOKED, async (manager, row) => {
      await this.tokens.revoke('invitation', { invitationId: row.id }, manager);
      Object.assign(row, { status: 'revoked', pendingEmail: null, revokedAt: new Date() });
    });
  }

  /** Resend and revoke: on a pending invitation (expired or not), locked, within the hierarchy. */
  private async changePending(
    id: string,
    actor: Principal,
    action: AuditActionCode,
    change: (manager: EntityManager, invitation: Invitation) => Promise<void>,
  ): Promise<InvitationResponseDto> {
    const saved = await this.transactions.run(async (manager) => {
      const invitations = this.invitations.transactional(manager);
      const invitation = await invitations.findByIdForUpdate(id);
      if (!invitation) throw notFound();
      assertHoldsAll(actor, permissionsOf(invitation.roles), 'grant');
      if (invitation.status !== 'pending')
        throw conflict(`The invitation was already ${invitation.status}`);
      const before = snapshot(invitation);
      await change(manager, invitation);
      const updated = await invitations.save(invitation);
      await this.record(manager, action, updated, before);
      return updated;
    });
    return InvitationResponseDto.from(saved);
  }

  private newExpiry(): Date {
    return new Date(Date.now() + this.config.accountTokens.invitationTtlSeconds * 1000);
  }

  private queueMail(manager: EntityManager, invitation: Invitation): Promise<void> {
    const payload: InvitationMailPayload = {
      invitationId: invitation.id,
      sendCount: invitation.sendCount,
    };
    return this.outbox.record(manager, {
      type: INVITATION_MAIL_JOB,
      organizationId: invitation.organizationId,
      payload,
    });
  }

  private record(
    manager: EntityManager,
    action: AuditActionCode,
    invitation: Invitation,
    before: Record<string, unknown> | undefined,
  ): Promise<void> {
    return this.audit.record(
      {
        action,
        entityType: 'invitation',
        entityId: invitation.id,
        before,
        after: snapshot(invitation),
      },
      manager,
    );
  }
}
