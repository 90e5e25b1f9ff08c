import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { CachedIdentity } from '../../context/identity';
import { type Principal, RequestContext, type TenantRef } from '../../context/request-context';
import {
  isLockConflict,
  isUniqueViolation,
  TransactionRunner,
} from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { KV_STORE, type KeyValueStore } from '../../kv/kv-store';
import { PasswordHasher } from '../../security/password-hasher.service';
import { ADMIN_ROLE } from '../../security/permissions';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditAction, AuditService } from '../audit/audit.service';
import type { Organization } from '../organizations/organization.entity';
import { createOrganizationWithBuiltInRoles } from '../organizations/organization-provisioning';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { RolesRepository } from '../roles/roles.repository';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { AuthKeys } from './auth-keys';
import type { LoginDto, RegisterDto } from './dto/auth.dto';
import { IdentityService, identityOf, platformIdentityOf } from './identity.service';
import { PLATFORM_ID } from '../platform/superuser.entity';
import { SuperusersRepository } from '../platform/superusers.repository';
import { SessionService } from './session.service';
import { TokenService } from './token.service';

/** Subdomains that would shadow the product's own hosts. */
export const RESERVED_SUBDOMAINS = new Set([
  'www',
  'api',
  'admin',
  'app',
  'auth',
  'login',
  'mail',
  'smtp',
  'static',
  'assets',
  'cdn',
  'docs',
  'status',
  'support',
  'help',
  'billing',
  'dashboard',
  'root',
  'system',
  'internal',
  'localhost',
  'test',
  'staging',
  'dev',
]);

export interface IssuedSession {
  sessionId: string;
  identity: CachedIdentity;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

const INVALID_CREDENTIALS = () =>
  new AppException(
    HttpStatus.UNAUTHORIZED,
    ErrorCode.INVALID_CREDENTIALS,
    'Invalid email or password',
  );

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
    private readonly transactions: TransactionRunner,
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly superusers: SuperusersRepository,
    private readonly identities: IdentityService,
  ) {}

  /** Counts requests per client IP across instances; 429 with Retry-After past the limit. */
  async limitByIp(action: 'login' | 'register'): Promise<void> {
    const ip = RequestContext.current()?.ip ?? 'unknown';
    const { value, ttlSeconds } = await this.kv.increment(
      AuthKeys.ipRate(action, ip),
      this.config.auth.ipRateWindowSeconds,
    );
    if (value > this.config.auth.ipRateLimit) throw this.tooManyRequests(ttlSeconds);
  }

  private tooManyRequests(ttlSeconds: number): AppException {
    const retryAfter = String(Math.max(1, Math.ceil(ttlSeconds)));
    return new AppException(
      HttpStatus.TOO_MANY_REQUESTS,
      ErrorCode.TOO_MANY_REQUESTS,
      'Too many attempts; try again later',
      undefined,
      {
        'retry-after': retryAfter,
      },
    );
  }

  async register(
    dto: RegisterDto,
  ): Promise<{ session: IssuedSession; organization: Organization }> {
    await this.limitByIp('register');
    const subdomain = dto.organization.subdomain;
    if (RESERVED_SUBDOMAINS.has(subdomain)) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'organization.subdomain', messages: [`subdomain "${subdomain}" is reserved`] }],
      );
    }
    const taken = () =>
      new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.CONFLICT,
        `The subdomain "${subdomain}" is already taken`,
      );
    if (await this.organizations.findBySubdomain(subdomain)) throw taken();

    const passwordHash = await this.hasher.hash(dto.password);
    let created: { organization: Organization; user: User };
    try {
      created = await this.transactions.run((manager) =>
        createOrganizationWithBuiltInRoles(
          { organizations: this.organizations, roles: this.roles },
          manager,
          { name: dto.organization.name, subdomain },
          async ({ organization, roles }) => {
            const user = await this.users.transactional(manager).insert(
              Object.assign(new User(), {
                email: dto.email,
                passwordHash,
                firstName: dto.firstName,
                lastName: dto.lastName,
                status: 'active',
                lastLoginAt: new Date(),
                createdBy: null,
                updatedBy: null,
                roles: [roles[ADMIN_ROLE]],
              }),
            );
            await this.audit.record(
              {
                action: AuditAction.REGISTERED,
                organizationId: organization.id,
                userId: user.id,
                entityType: 'organization',
                entityId: organization.id,
                after: { name: organization.name, subdomain },
              },
              manager,
            );
            return { organization, user };
          },
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error) || isLockConflict(error)) throw taken();
      throw error;
    }
    const session = await this.issueSession(created.user, created.organization);
    return { session, organization: created.organization };
  }

  /** Platform login: same lockout and IP limits as tenant logins, counted under the platform. */
  async superuserLogin(dto: LoginDto): Promise<IssuedSession> {
    await this.limitByIp('login');
    const { email } = dto;
    const failedKey = AuthKeys.failedLogins(PLATFORM_ID, email);
    const attempt = await this.kv.increment(failedKey, this.config.auth.loginFailureWindowSeconds);
    if (attempt.value > this.config.auth.loginMaxFailures)
      throw this.tooManyRequests(attempt.ttlSeconds);
    const superuser = await this.superusers.findByEmailWithCredentials(email);
    if (!(await this.hasher.verify(dto.password, superuser?.passwordHash)) || !superuser) {
      await this.audit.record({
        action: AuditAction.LOGIN_FAILED,
        organizationId: null,
        metadata: { email, platform: true },
      });
      throw INVALID_CREDENTIALS();
    }
    await this.kv.delete(failedKey);
    await this.superusers.touchLogin(superuser.id);
    const identity = platformIdentityOf(superuser);
    const context = RequestContext.current();
    const { session, refreshToken } = await this.sessions.create(superuser.id, PLATFORM_ID, {
      userAgent: context?.userAgent,
      ip: context?.ip,
    });
    await this.sessions.cacheIdentity(identity);
    const { accessToken, expiresIn } = this.tokens.signAccessToken({
      userId: superuser.id,
      email: superuser.email,
      organizationId: PLATFORM_ID,
      roles: identity.user.roles,
      sessionId: session.id,
    });
    await this.audit.record({
      action: AuditAction.LOGIN_SUCCEEDED,
      organizationId: null,
      userId: superuser.id,
      metadata: { platform: true, sessionId: session.id },
    });
    return { sessionId: session.id, identity, accessToken, expiresIn, refreshToken };
  }

  async login(dto: LoginDto, tenant: TenantRef | undefined): Promise<IssuedSession> {
    if (!tenant) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.TENANT_REQUIRED,
        'Name the organization with its subdomain or the X-Tenant-ID header',
      );
    }
    await this.limitByIp('login');
    const { email } = dto;
    // Counting the attempt before checking it is atomic: parallel guesses cannot slip past the limit.
    const failedKey = AuthKeys.failedLogins(tenant.id, email);
    const attempt = await this.kv.increment(failedKey, this.config.auth.loginFailureWindowSeconds);
    if (attempt.value > this.config.auth.loginMaxFailures) {
      if (attempt.value === this.config.auth.loginMaxFailures + 1) {
        await this.audit.record({
          action: AuditAction.LOGIN_LOCKED,
          organizationId: tenant.id,
          metadata: { email },
        });
      }
      throw this.tooManyRequests(attempt.ttlSeconds);
    }

    const user = await this.users.findByEmailWithCredentials(email);
    const passwordMatches = await this.hasher.verify(dto.password, user?.passwordHash);
    const organization = await this.organizations.findById(tenant.id);
    if (
      !user ||
      !passwordMatches ||
      user.status !== 'active' ||
      !organization ||
      organization.status !== 'active'
    ) {
      await this.audit.record({
        action: AuditAction.LOGIN_FAILED,
        organizationId: tenant.id,
        userId: user?.id ?? null,
        metadata: {
          email,
          reason: !user ? 'unknown_email' : !passwordMatches ? 'wrong_password' : 'inactive',
        },
      });
      throw INVALID_CREDENTIALS();
    }

    await this.kv.delete(failedKey);
    user.lastLoginAt = new Date();
    await this.users.update(user.id, { lastLoginAt: user.lastLoginAt });
    const session = await this.issueSession(user, organization);
    await this.audit.record({
      action: AuditAction.LOGIN_SUCCEEDED,
      organizationId: organization.id,
      userId: user.id,
      metadata: { sessionId: session.sessionId },
    });
    return session;
  }

  private async issueSession(user: User, organization: Organization): Promise<IssuedSession> {
    const identity = identityOf(user, organization);
    const context = RequestContext.current();
    const { session, refreshToken } = await this.sessions.create(user.id, organization.id, {
      userAgent: context?.userAgent,
      ip: context?.ip,
    });
    await this.sessions.cacheIdentity(identity);
    const { accessToken, expiresIn } = this.tokens.signAccessToken({
      userId: user.id,
      email: user.email,
      organizationId: organization.id,
      roles: identity.user.roles,
      sessionId: session.id,
    });
    return { sessionId: session.id, identity, accessToken, expiresIn, refreshToken };
  }

  /**
   * Rotates a refresh token. Reuse of a rotated token (outside the grace window) ends the
   * whole session and is audited; an unknown or malformed token is a plain 401.
   */
  async refresh(presented: string | undefined): Promise<IssuedSession> {
    const invalid = () =>
      new AppException(
        HttpStatus.UNAUTHORIZED,
        ErrorCode.UNAUTHORIZED,
        'Invalid or expired refresh token',
      );
    if (!presented) throw invalid();
    const rotation = await this.sessions.rotate(presented);
    if (rotation.outcome === 'reuse') {
      const { session } = rotation;
      await this.audit.record({
        action: AuditAction.REFRESH_REUSE_DETECTED,
        organizationId: session?.organizationId ?? null,
        userId: session?.userId ?? null,
        metadata: { sessionId: rotation.sessionId },
      });
      throw invalid();
    }
    if (rotation.outcome === 'invalid') throw invalid();
    const { session, refreshToken } = rotation;
    const identity = await this.identityOrEnd(session.organizationId, session.userId, session.id);
    const { accessToken, expiresIn } = this.tokens.signAccessToken({
      userId: identity.user.id,
      email: identity.user.email,
      organizationId: identity.organization.id,
      roles: identity.user.roles,
      sessionId: session.id,
    });
    return { sessionId: session.id, identity, accessToken, expiresIn, refreshToken };
  }

  /** The current identity for a refresh, rebuilt from the database; a user who may no longer act loses the session. */
  private async identityOrEnd(
    organizationId: string,
    userId: string,
    sessionId: string,
  ): Promise<CachedIdentity> {
    if (organizationId === PLATFORM_ID) {
      const identity = await this.identities.rebuild(organizationId, userId);
      if (!identity) {
        await this.sessions.end(userId, sessionId);
        throw new AppException(
          HttpStatus.UNAUTHORIZED,
          ErrorCode.UNAUTHORIZED,
          'Invalid or expired refresh token',
        );
      }
      return identity;
    }
    const organization = await this.organizations.findById(organizationId);
    const user = organization
      ? await TenantContext.run({ id: organization.id, subdomain: organization.subdomain }, () =>
          this.users.findByIdWithRoles(userId),
        )
      : null;
    if (!organization || !user || user.status !== 'active' || organization.status !== 'active') {
      await this.sessions.end(userId, sessionId);
      throw new AppException(
        HttpStatus.UNAUTHORIZED,
        ErrorCode.UNAUTHORIZED,
        'Invalid or expired refresh token',
      );
    }
    const identity = identityOf(user, organization);
    await this.sessions.cacheIdentity(identity);
    return identity;
  }

  async logout(principal: Principal): Promise<void> {
    await this.sessions.blacklist(principal.tokenId, principal.tokenExpiresAt);
    await this.sessions.end(principal.userId, principal.sessionId);
    await this.audit.record({
      action: AuditAction.LOGOUT,
      metadata: { sessionId: principal.sessionId },
    });
  }

  async logoutAll(principal: Principal): Promise<number> {
    await this.sessions.blacklist(principal.tokenId, principal.tokenExpiresAt);
    const ended = await this.sessions.endAll(principal.userId);
    await this.audit.record({ action: AuditAction.LOGOUT_ALL, metadata: { sessionsEnded: ended } });
    return ended;
  }

  async endSession(principal: Principal, sessionId: string): Promise<void> {
    const owned = (await this.sessions.get(sessionId))?.userId === principal.userId;
    if (!owned || !(await this.sessions.end(principal.userId, sessionId))) {
      throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Session not found');
    }
    if (sessionId === principal.sessionId)
      await this.sessions.blacklist(principal.tokenId, principal.tokenExpiresAt);
    await this.audit.record({ action: AuditAction.SESSION_ENDED, metadata: { sessionId } });
  }

  /** Requires the current password; every other session of the user ends. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
  ): Promise<number> {
    const attemptsKey = AuthKeys.failedPasswordChecks(principal.userId);
    const attempt = await this.kv.increment(
      attemptsKey,
      this.config.auth.loginFailureWindowSeconds,
    );
    if (attempt.value > this.config.auth.loginMaxFailures)
      throw this.tooManyRequests(attempt.ttlSeconds);
    const user = await this.users.findByIdWithCredentials(principal.userId);
    if (!user || !(await this.hasher.verify(currentPassword, user.passwordHash))) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.INVALID_CREDENTIALS,
        'The current password is wrong',
      );
    }
    if (await this.hasher.verify(newPassword, user.passwordHash)) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'newPassword', messages: ['newPassword must differ from the current password'] }],
      );
    }
    await this.kv.delete(attemptsKey);
    await this.users.update(user.id, {
      passwordHash: await this.hasher.hash(newPassword),
      updatedBy: principal.userId,
    });
    const ended = await this.sessions.endAll(principal.userId, principal.sessionId);
    await this.audit.record({
      action: AuditAction.PASSWORD_CHANGED,
      entityType: 'user',
      entityId: user.id,
      metadata: { otherSessionsEnded: ended },
    });
    return ended;
  }
}
