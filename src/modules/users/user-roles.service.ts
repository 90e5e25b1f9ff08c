import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditService } from '../audit/audit.service';
import { SessionService } from '../auth/session.service';
import { RolesRepository } from '../roles/roles.repository';
import { UsersRepository } from './users.repository';

/**
 * Changes which roles a user holds in the current tenant. The user's cached identity is
 * dropped at once, so every instance enforces the new roles on the user's next request.
 */
@Injectable()
export class UserRolesService {
  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  async replaceRoles(userId: string, roleNames: string[]): Promise<string[]> {
    const user = await this.users.findByIdWithRoles(userId);
    if (!user) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'User not found');
    const roles = await this.roles.findByNames([...new Set(roleNames)]);
    const unknown = roleNames.filter((name) => !roles.some((role) => role.name === name));
    if (unknown.length > 0) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.VALIDATION_ERROR, 'Validation failed', [
        { field: 'roles', messages: [`unknown roles: ${unknown.join(', ')}`] },
      ]);
    }
    const before = user.roles.map((role) => role.name).sort();
    user.roles = roles;
    await this.users.save(user);
    await this.sessions.invalidateIdentity(TenantContext.requireTenantId('users.replaceRoles'), user.id);
    const after = roles.map((role) => role.name).sort();
    await this.audit.record({ action: 'user.roles.changed', entityType: 'user', entityId: user.id, before: { roles: before }, after: { roles: after } });
    return after;
  }
}
