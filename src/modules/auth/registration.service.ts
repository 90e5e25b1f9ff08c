import { HttpStatus, Injectable } from '@nestjs/common';
import {
  isLockConflict,
  isUniqueViolation,
  TransactionRunner,
} from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { OutboxService } from '../../outbox/outbox.service';
import { PasswordHasher } from '../../security/password-hasher.service';
import { ADMIN_ROLE } from '../../security/permissions';
import { SystemScope } from '../../tenancy/system-scope.service';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { Organization } from '../organizations/organization.entity';
import { createOrganizationWithBuiltInRoles } from '../organizations/organization-provisioning';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { RolesRepository } from '../roles/roles.repository';
import { identityOf } from '../sessions/identity.service';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { verifyEmailEvent } from './account-email.jobs';
import type { RegisterDto } from './dto/auth.dto';
import { LoginThrottle } from './login-throttle';
import { type IssuedSession, SessionIssuer } from './session-issuer.service';

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

/**
 * Sign-up: a new organization, its built-in roles and its first admin, in one transaction with
 * the event that mails the admin a verification link.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly transactions: TransactionRunner,
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly issuer: SessionIssuer,
    private readonly systemScope: SystemScope,
    private readonly outbox: OutboxService,
  ) {}

  async register(
    dto: RegisterDto,
  ): Promise<{ session: IssuedSession; organization: Organization }> {
    await this.throttle.limitByIp('register');
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
          this.systemScope,
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
            await this.outbox.record(manager, verifyEmailEvent(organization.id, user.id));
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
    const session = await this.issuer.open(identityOf(created.user, created.organization));
    return { session, organization: created.organization };
  }
}
