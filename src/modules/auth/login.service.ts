import { HttpStatus, Injectable } from '@nestjs/common';
import type { TenantRef } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { type LoginOutcome, Metrics } from '../../metrics/metrics';
import { PasswordHasher } from '../../security/password-hasher.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { PLATFORM_ID } from '../../context/platform';
import { SuperusersRepository } from '../platform/superusers.repository';
import { identityOf, platformIdentityOf } from '../sessions/identity.service';
import { UsersRepository } from '../users/users.repository';
import type { Organization } from '../organizations/organization.entity';
import type { Superuser } from '../platform/superuser.entity';
import type { User } from '../users/user.entity';
import { type MfaChallenge, MfaChallenges } from '../mfa/mfa-challenges';
import { PASSWORD_AND_OTP, type SecondFactorMethod } from '../mfa/second-factor.service';
import { PASSWORD_ONLY } from '../sessions/session.service';
import type { LoginDto } from './dto/auth.dto';
import { EmailVerificationService } from './email-verification.service';
import { LoginThrottle } from './login-throttle';
import { type IssuedSession, SessionIssuer } from './session-issuer.service';

const INVALID_CREDENTIALS = () =>
  new AppException(
    HttpStatus.UNAUTHORIZED,
    ErrorCode.INVALID_CREDENTIALS,
    'Invalid email or password',
  );

/** The `auth_logins_total` outcome of a sign-in that threw. */
export function loginFailureOutcome(error: unknown): LoginOutcome {
  if (!(error instanceof AppException)) return 'error';
  if (error.code === ErrorCode.INVALID_CREDENTIALS) return 'bad_credentials';
  // Locked out (the account, or this client on it) or past the per-address limit.
  if (error.code === ErrorCode.TOO_MANY_REQUESTS) return 'throttled';
  if (error.code === ErrorCode.EMAIL_NOT_VERIFIED) return 'email_unverified';
  return error.getStatus() < 500 ? 'rejected' : 'error';
}

/** A correct password of an account with a second factor: the sign-in waits for its code. */
export interface PendingMfa {
  mfaToken: string;
}

/** Password sign-in, to an organization or to the platform, under the one shared throttle. */
@Injectable()
export class LoginService {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly superusers: SuperusersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly issuer: SessionIssuer,
    private readonly verification: EmailVerificationService,
    private readonly challenges: MfaChallenges,
    private readonly metrics: Metrics,
  ) {}

  login(dto: LoginDto, tenant: TenantRef | undefined): Promise<IssuedSession | PendingMfa> {
    return this.counted(this.tenantLogin(dto, tenant));
  }

  /** Platform login: the same throttle as tenant logins, counted under the platform. */
  superuserLogin(dto: LoginDto): Promise<IssuedSession | PendingMfa> {
    return this.counted(this.platformLogin(dto));
  }

  private async tenantLogin(
    dto: LoginDto,
    tenant: TenantRef | undefined,
  ): Promise<IssuedSession | PendingMfa> {
    if (!tenant) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.TENANT_REQUIRED,
        'Name the organization with its subdomain or the X-Tenant-ID header',
      );
    }
    await this.throttle.limitByIp('login');
    const { email } = dto;
    await this.throttle.attemptLogin(tenant.id, email, (lock) => {
      this.metrics.lockouts.inc({ lock });
      return this.audit.record({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: tenant.id,
        metadata: { email, lock },
      });
    });

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

    await this.throttle.loginSucceeded(tenant.id, email);
    // Said only after the password matched, so it reveals nothing to a guesser.
    if (organization.requireVerifiedEmail && !user.emailVerifiedAt)
      throw await this.verification.refuseLogin(user);
    if (user.mfaEnabledAt)
      return this.challenge(
        { kind: 'tenant', userId: user.id, organizationId: organization.id, email },
        dto,
      );
    return this.signIn(user, organization);
  }

  /** Opens the session of a user whose sign-in is proven: by the password, and `mfa` if it took a second factor. */
  async signIn(
    user: User,
    organization: Organization,
    mfa?: SecondFactorMethod,
  ): Promise<IssuedSession> {
    user.lastLoginAt = new Date();
    await this.users.update(user.id, { lastLoginAt: user.lastLoginAt });
    const session = await this.issuer.open(
      identityOf(user, organization),
      mfa ? PASSWORD_AND_OTP : PASSWORD_ONLY,
    );
    await this.audit.record({
      action: AuditAction.LOGIN_SUCCEEDED,
      organizationId: organization.id,
      userId: user.id,
      metadata: { sessionId: session.sessionId, ...(mfa ? { mfa } : {}) },
    });
    return session;
  }

  private async platformLogin(dto: LoginDto): Promise<IssuedSession | PendingMfa> {
    await this.throttle.limitByIp('login');
    const { email } = dto;
    await this.throttle.attemptLogin(PLATFORM_ID, email, (lock) => {
      this.metrics.lockouts.inc({ lock });
      return this.audit.record({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: null,
        metadata: { email, lock, platform: true },
      });
    });
    const superuser = await this.superusers.findByEmailWithCredentials(email);
    if (!(await this.hasher.verify(dto.password, superuser?.passwordHash)) || !superuser) {
      await this.audit.record({
        action: AuditAction.LOGIN_FAILED,
        organizationId: null,
        metadata: { email, platform: true },
      });
      throw INVALID_CREDENTIALS();
    }
    await this.throttle.loginSucceeded(PLATFORM_ID, email);
    if (superuser.mfaEnabledAt)
      return this.challenge(
        { kind: 'platform', userId: superuser.id, organizationId: PLATFORM_ID, email },
        dto,
      );
    return this.superuserSignIn(superuser);
  }

  async superuserSignIn(superuser: Superuser, mfa?: SecondFactorMethod): Promise<IssuedSession> {
    await this.superusers.touchLogin(superuser.id);
    const session = await this.issuer.open(
      platformIdentityOf(superuser),
      mfa ? PASSWORD_AND_OTP : PASSWORD_ONLY,
    );
    await this.audit.record({
      action: AuditAction.LOGIN_SUCCEEDED,
      organizationId: null,
      userId: superuser.id,
      metadata: { platform: true, sessionId: session.sessionId, ...(mfa ? { mfa } : {}) },
    });
    return session;
  }

  /** Counts the sign-in in `auth_logins_total` by how it ended. */
  private async counted(
    attempt: Promise<IssuedSession | PendingMfa>,
  ): Promise<IssuedSession | PendingMfa> {
    try {
      const result = await attempt;
      this.metrics.logins.inc({ outcome: 'mfaToken' in result ? 'mfa_required' : 'success' });
      return result;
    } catch (error) {
      this.metrics.logins.inc({ outcome: loginFailureOutcome(error) });
      throw error;
    }
  }

  /** No session yet: a single-use mfaToken for POST /api/auth/mfa/verify. */
  private async challenge(
    who: Omit<MfaChallenge, 'refreshTokenInBody'>,
    dto: LoginDto,
  ): Promise<PendingMfa> {
    const mfaToken = await this.challenges.issue({
      ...who,
      refreshTokenInBody: dto.refreshTokenInBody === true,
    });
    await this.audit.record({
      action: AuditAction.LOGIN_MFA_CHALLENGED,
      organizationId: who.kind === 'platform' ? null : who.organizationId,
      userId: who.userId,
      metadata: who.kind === 'platform' ? { platform: true } : {},
    });
    return { mfaToken };
  }
}
