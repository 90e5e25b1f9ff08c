import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserPrincipal } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { PasswordHasher } from '../../security/password-hasher.service';
import { TenantContext } from '../../tenancy/tenant-context';
import { LoginThrottle } from '../auth/login-throttle';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { SuperusersRepository } from '../platform/superusers.repository';
import { UsersRepository } from '../users/users.repository';
import type { MfaOwner } from './mfa-factors.repository';

/** What MFA needs to know of the account behind an owner, user or superuser alike. */
export interface MfaAccount {
  email: string;
  firstName: string;
  /** The organization's name, or `Platform`. */
  organizationName: string;
  passwordHash: string;
  mfaEnabledAt: Date | null;
}

export const wrongCredentials = (message = 'The password or the code is wrong') =>
  new AppException(HttpStatus.BAD_REQUEST, ErrorCode.INVALID_CREDENTIALS, message);

/**
 * The users and superusers tables as MFA sees them: the account, its password check (counted
 * as change-password counts it), and the `mfa_enabled_at` flag the session cache reads.
 */
@Injectable()
export class MfaAccounts {
  constructor(
    private readonly users: UsersRepository,
    private readonly superusers: SuperusersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
  ) {}

  async find(owner: MfaOwner): Promise<MfaAccount | null> {
    if (owner.kind === 'platform') {
      const superuser = await this.superusers.findByIdWithCredentials(owner.userId);
      return superuser
        ? {
            email: superuser.email,
            firstName: 'Platform',
            organizationName: 'Platform',
            passwordHash: superuser.passwordHash,
            mfaEnabledAt: superuser.mfaEnabledAt,
          }
        : null;
    }
    const user = await this.users.findByIdWithCredentials(owner.userId);
    const organization = await this.organizations.findById(
      TenantContext.requireTenantId('mfa account'),
    );
    return user && organization
      ? {
          email: user.email,
          firstName: user.firstName,
          organizationName: organization.name,
          passwordHash: user.passwordHash,
          mfaEnabledAt: user.mfaEnabledAt,
        }
      : null;
  }

  /**
   * The signed-in principal's account once `check` (the password, and whatever else the caller
   * proves) passed. Failures count toward the same limit as change-password's (429 past it).
   */
  async proven(
    principal: UserPrincipal,
    password: string,
    check: (account: MfaAccount) => Promise<boolean> = () => Promise.resolve(true),
  ): Promise<MfaAccount> {
    await this.throttle.attemptPasswordCheck(principal.userId);
    const account = await this.find({ kind: principal.kind, userId: principal.userId });
    const passwordMatches = await this.hasher.verify(password, account?.passwordHash);
    if (!account || !passwordMatches || !(await check(account)))
      throw wrongCredentials(
        passwordMatches ? 'The code is wrong or was already used' : 'The password is wrong',
      );
    await this.throttle.passwordCheckSucceeded(principal.userId);
    return account;
  }

  async setEnabledAt(owner: MfaOwner, at: Date | null, manager: EntityManager): Promise<void> {
    if (owner.kind === 'platform')
      return this.superusers.setMfaEnabledAt(owner.userId, at, manager);
    await this.users.transactional(manager).update(owner.userId, { mfaEnabledAt: at });
  }
}
