import { HttpStatus, Injectable } from '@nestjs/common';
import { PLATFORM_ID } from '../../context/platform';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { SystemScope } from '../../tenancy/system-scope.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { VerifyMfaDto } from '../mfa/dto/mfa.dto';
import { type MfaChallenge, MfaChallenges } from '../mfa/mfa-challenges';
import { assertOneProof } from '../mfa/mfa-enrolment.service';
import { SecondFactor } from '../mfa/second-factor.service';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { SuperusersRepository } from '../platform/superusers.repository';
import { UsersRepository } from '../users/users.repository';
import { LoginThrottle } from './login-throttle';
import { LoginService } from './login.service';
import type { IssuedSession } from './session-issuer.service';

const challengeGone = () =>
  new AppException(
    HttpStatus.UNAUTHORIZED,
    ErrorCode.UNAUTHORIZED,
    'The sign-in expired or was already completed: sign in with the password again',
  );

/**
 * The second step of a sign-in: the mfaToken from the password step plus a TOTP code or a
 * recovery code. Wrong codes count toward the account's lockout exactly as wrong passwords do
 * (the same counters), and the token is used up by the first success.
 */
@Injectable()
export class MfaLoginService {
  constructor(
    private readonly challenges: MfaChallenges,
    private readonly secondFactor: SecondFactor,
    private readonly throttle: LoginThrottle,
    private readonly logins: LoginService,
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly superusers: SuperusersRepository,
    private readonly systemScope: SystemScope,
    private readonly audit: AuditService,
  ) {}

  async verify(
    dto: VerifyMfaDto,
  ): Promise<{ session: IssuedSession; refreshTokenInBody: boolean }> {
    assertOneProof(dto);
    await this.throttle.limitByIp('login');
    const challenge = await this.challenges.peek(dto.mfaToken);
    if (!challenge) throw challengeGone();
    if (challenge.kind === 'platform') {
      const session = await this.prove(challenge, dto, PLATFORM_ID, async (mfa) => {
        const superuser = await this.superusers.findById(challenge.userId);
        if (!superuser) throw challengeGone();
        return this.logins.superuserSignIn(superuser, mfa);
      });
      return { session, refreshTokenInBody: challenge.refreshTokenInBody };
    }
    const organization = await this.organizations.findById(challenge.organizationId);
    if (!organization) throw challengeGone();
    // The token names the tenant, as a job's organization does: the user is read as that tenant.
    const session = await this.systemScope.asTenant(organization, 'mfa sign-in', () =>
      this.prove(challenge, dto, organization.id, async (mfa) => {
        const user = await this.users.findByIdWithRoles(challenge.userId);
        if (user?.status !== 'active' || organization.status !== 'active') throw challengeGone();
        return this.logins.signIn(user, organization, mfa);
      }),
    );
    return { session, refreshTokenInBody: challenge.refreshTokenInBody };
  }

  private async prove(
    challenge: MfaChallenge,
    dto: VerifyMfaDto,
    scope: string,
    open: (mfa: 'totp' | 'recovery_code') => Promise<IssuedSession>,
  ): Promise<IssuedSession> {
    const platform = challenge.kind === 'platform';
    const { email } = challenge;
    await this.throttle.attemptLogin(scope, email, (lock) =>
      this.audit.record({
        action: AuditAction.LOGIN_LOCKED,
        organizationId: platform ? null : scope,
        metadata: { email, lock, ...(platform ? { platform } : {}) },
      }),
    );
    const owner = { kind: challenge.kind, userId: challenge.userId };
    const method = await this.secondFactor.verify(owner, dto);
    if (!method) {
      await this.audit.record({
        action: AuditAction.LOGIN_FAILED,
        organizationId: platform ? null : scope,
        userId: challenge.userId,
        metadata: { email, reason: 'wrong_mfa_code', ...(platform ? { platform } : {}) },
      });
      throw new AppException(
        HttpStatus.UNAUTHORIZED,
        ErrorCode.INVALID_CREDENTIALS,
        'The code is wrong or was already used',
      );
    }
    if (!(await this.challenges.consume(dto.mfaToken))) throw challengeGone();
    await this.throttle.loginSucceeded(scope, email);
    return open(method);
  }
}
