import { HttpStatus, Injectable } from '@nestjs/common';
import type { TenantRef } from '../../context/request-context';
import { isUniqueViolation, TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { PasswordHasher } from '../../security/password-hasher.service';
import { AccountTokenError, AccountTokens } from '../account-tokens/account-tokens.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { type IssuedSession, SessionIssuer } from '../auth/session-issuer.service';
import type { Organization } from '../organizations/organization.entity';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { identityOf } from '../sessions/identity.service';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { AcceptInvitationDto, InvitationPreviewResponseDto } from './dto/invitations.dto';
import { type InvitationRoute, InvitationThrottle } from './invitation-throttle';
import type { Invitation } from './invitation.entity';
import { InvitationsRepository } from './invitations.repository';

const tenantRequired = () =>
  new AppException(
    HttpStatus.BAD_REQUEST,
    ErrorCode.TENANT_REQUIRED,
    'Name the organization with its subdomain or the X-Tenant-ID header',
  );
const revoked = () =>
  new AppException(
    HttpStatus.GONE,
    ErrorCode.INVITATION_REVOKED,
    'The invitation was withdrawn; ask for a new one',
  );

interface LiveInvitation {
  invitation: Invitation;
  organization: Organization;
}

/**
 * The invitee's side, reached through the emailed link (public routes, tenant chosen as for
 * login): preview the invitation, then accept it, which creates the user with the
 * invitation's email and roles (the email counts as verified) and signs them in. Organization,
 * email and roles come from the invitation alone. Of concurrent accepts of one link exactly one
 * creates a user: the token is consumed in the transaction that creates it.
 */
@Injectable()
export class InvitationAcceptanceService {
  constructor(
    private readonly throttle: InvitationThrottle,
    private readonly tokens: AccountTokens,
    private readonly invitations: InvitationsRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly issuer: SessionIssuer,
  ) {}

  async preview(
    token: string,
    tenant: TenantRef | undefined,
  ): Promise<InvitationPreviewResponseDto> {
    const { invitation, organization } = await this.live('preview', token, tenant);
    // A public route: who opened which invitation's link is on record, the token never.
    await this.audit.record({
      action: AuditAction.INVITATION_PREVIEWED,
      organizationId: organization.id,
      entityType: 'invitation',
      entityId: invitation.id,
      metadata: { email: invitation.email },
    });
    return {
      organization: { name: organization.name },
      email: invitation.email,
      expiresAt: invitation.expiresAt.toISOString(),
    };
  }

  async accept(
    dto: AcceptInvitationDto,
    tenant: TenantRef | undefined,
  ): Promise<{ session: IssuedSession; organization: Organization }> {
    const { organization } = await this.live('accept', dto.token, tenant);
    // Hashed before the transaction: bcrypt's cost must not hold a connection (or SQLite's queue).
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const user = await this.transactions.run(async (manager) => {
        const record = await this.tokens.consume('invitation', dto.token, manager);
        const invitations = this.invitations.transactional(manager);
        const invitation = record.invitationId
          ? await invitations.findByIdForUpdate(record.invitationId)
          : null;
        if (!invitation) throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
        this.assertLive(invitation);
        const users = this.users.transactional(manager);
        if (await users.findByEmail(invitation.email)) throw alreadyMember();
        const now = new Date();
        const created = await users.insert(
          Object.assign(new User(), {
            email: invitation.email,
            passwordHash,
            firstName: dto.firstName,
            lastName: dto.lastName,
            status: 'active',
            emailVerifiedAt: now,
            lastLoginAt: now,
            roles: invitation.roles,
            createdBy: invitation.invitedBy,
            updatedBy: invitation.invitedBy,
          }),
        );
        Object.assign(invitation, { status: 'accepted', pendingEmail: null, acceptedAt: now });
        await invitations.save(invitation);
        await this.audit.record(
          {
            action: AuditAction.INVITATION_ACCEPTED,
            organizationId: organization.id,
            userId: created.id,
            entityType: 'invitation',
            entityId: invitation.id,
            after: {
              email: created.email,
              roles: created.roles.map((role) => role.name).sort(),
              status: 'accepted',
            },
          },
          manager,
        );
        return created;
      });
      const session = await this.issuer.open(identityOf(user, organization));
      return { session, organization };
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyMember();
      throw error;
    }
  }

  /**
   * The invitation a token names in this request's organization, still pending and unexpired,
   * under the per-client and per-address limits. Refusals: TOKEN_INVALID (400; also a token of
   * another organization or purpose), TOKEN_EXPIRED, TOKEN_USED (accepted, or replaced by a
   * resend) and INVITATION_REVOKED (410).
   */
  private async live(
    route: InvitationRoute,
    token: string,
    tenant: TenantRef | undefined,
  ): Promise<LiveInvitation> {
    await this.throttle.limitByIp(route);
    if (!tenant) throw tenantRequired();
    const inspected = await this.tokens.inspect('invitation', token);
    const invitation = inspected?.record.invitationId
      ? await this.invitations.findByIdWithRoles(inspected.record.invitationId)
      : null;
    if (!inspected || !invitation) throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
    await this.throttle.limitByEmail(tenant.id, invitation.email);
    this.assertLive(invitation);
    if (inspected.state === 'used') throw new AccountTokenError(ErrorCode.TOKEN_USED);
    if (inspected.state === 'expired') throw new AccountTokenError(ErrorCode.TOKEN_EXPIRED);
    const organization = await this.organizations.findById(tenant.id);
    // A suspended organization takes no new members, as it lets nobody sign in.
    if (!organization || organization.status !== 'active')
      throw new AccountTokenError(ErrorCode.TOKEN_INVALID);
    return { invitation, organization };
  }

  private assertLive(invitation: Invitation): void {
    if (invitation.status === 'revoked') throw revoked();
    if (invitation.status === 'accepted') throw new AccountTokenError(ErrorCode.TOKEN_USED);
    if (invitation.expiresAt.getTime() <= Date.now())
      throw new AccountTokenError(ErrorCode.TOKEN_EXPIRED);
  }
}

function alreadyMember(): AppException {
  return new AppException(
    HttpStatus.CONFLICT,
    ErrorCode.CONFLICT,
    'A user with this email already exists in the organization; sign in instead',
  );
}
