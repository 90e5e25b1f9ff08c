import { Injectable } from '@nestjs/common';
import { RequestContext, type UserPrincipal } from '../../context/request-context';
import { admit } from '../../rate-limit/rate-limit-response';
import { SystemScope } from '../../tenancy/system-scope.service';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { Organization } from '../organizations/organization.entity';
import { PLATFORM_ID } from '../../context/platform';
import type { Superuser } from '../platform/superuser.entity';
import { SuperusersRepository } from '../platform/superusers.repository';
import { SUPERUSER_ROLE } from '../../security/permissions';
import type { CachedIdentity } from '../../context/identity';
import { SessionService } from './session.service';

export interface TokenFacts {
  kind: UserPrincipal['kind'];
  userId: string;
  organizationId: string;
  sessionId: string;
  tokenId: string;
  expiresAt: number;
}

export function identityOf(user: User, organization: Organization): CachedIdentity {
  const roles = (user.roles ?? []).map((role) => role.name).sort();
  const permissions = [...new Set((user.roles ?? []).flatMap((role) => role.permissions))].sort();
  return {
    user: {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      status: user.status,
      roles,
      emailVerifiedAt: user.emailVerifiedAt ? user.emailVerifiedAt.toISOString() : null,
      mfaEnabled: Boolean(user.mfaEnabledAt),
      lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    },
    organization: {
      id: organization.id,
      name: organization.name,
      subdomain: organization.subdomain,
      status: organization.status,
      mfaRequired: organization.mfaRequired,
    },
    permissions,
  };
}

/** Superusers belong to no organization; their identity names the platform instead. */
export function platformIdentityOf(superuser: Superuser): CachedIdentity {
  return {
    user: {
      id: superuser.id,
      email: superuser.email,
      firstName: 'Platform',
      lastName: 'Superuser',
      status: 'active',
      roles: [SUPERUSER_ROLE],
      // Superusers are created by an operator with shell access (superuser:create), not by mail.
      emailVerifiedAt: null,
      mfaEnabled: Boolean(superuser.mfaEnabledAt),
      lastLoginAt: superuser.lastLoginAt ? superuser.lastLoginAt.toISOString() : null,
      createdAt: superuser.createdAt.toISOString(),
      updatedAt: superuser.updatedAt.toISOString(),
    },
    organization: {
      id: PLATFORM_ID,
      name: 'Platform',
      subdomain: '',
      status: 'active',
      mfaRequired: 'off',
    },
    permissions: [],
  };
}

/** Who the bearer of a token is right now: from the session cache, rebuilt from the database on a miss. */
@Injectable()
export class IdentityService {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly superusers: SuperusersRepository,
    private readonly systemScope: SystemScope,
  ) {}

  /** Null when the token was revoked, its session ended, or the user or organization may no longer act. */
  async principalFor(facts: TokenFacts): Promise<UserPrincipal | false> {
    const check = await this.sessions.checkAccess(facts, facts.kind, {
      ip: RequestContext.current()?.ip,
    });
    // Remembered even for a token refused below, so its 401 carries the headers of its bucket.
    admit(check.rateLimit);
    if (check.state !== 'ok' && check.state !== 'miss') return false;
    const identity =
      check.state === 'ok'
        ? check.identity
        : await this.rebuild(facts.organizationId, facts.userId, check.version);
    if (!identity || identity.user.status !== 'active' || identity.organization.status !== 'active')
      return false;
    return {
      kind: facts.kind,
      userId: identity.user.id,
      organizationId: identity.organization.id,
      email: identity.user.email,
      roles: identity.user.roles,
      permissions: identity.permissions,
      sessionId: facts.sessionId,
      tokenId: facts.tokenId,
      tokenExpiresAt: facts.expiresAt,
      identity,
    };
  }

  /**
   * Reads user, roles and organization from the database and caches the result, unless the
   * identity was invalidated after `version` (read before the database; by default read here).
   */
  async rebuild(
    organizationId: string,
    userId: string,
    version?: string,
  ): Promise<CachedIdentity | null> {
    const seen = version ?? (await this.sessions.identityVersion(organizationId, userId));
    const identity = await this.load(organizationId, userId);
    if (identity) await this.sessions.cacheIdentity(identity, seen);
    return identity;
  }

  private async load(organizationId: string, userId: string): Promise<CachedIdentity | null> {
    if (organizationId === PLATFORM_ID) {
      const superuser = await this.superusers.findById(userId);
      return superuser ? platformIdentityOf(superuser) : null;
    }
    const organization = await this.organizations.findById(organizationId);
    if (!organization) return null;
    const user = await this.systemScope.asTenant(organization, 'identity rebuild', () =>
      this.users.findByIdWithRoles(userId),
    );
    return user ? identityOf(user, organization) : null;
  }
}
