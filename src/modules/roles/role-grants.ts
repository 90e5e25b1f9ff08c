import { HttpStatus } from '@nestjs/common';
import type { Principal } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';
import { assertHoldsAll } from './permission-hierarchy';
import type { Role } from './role.entity';
import { roleNameKey } from './role-name';
import type { RolesRepository } from './roles.repository';

export const permissionsOf = (roles: Role[]): string[] => roles.flatMap((role) => role.permissions);

/**
 * The roles named, for granting to a user now (user administration) or later (an
 * invitation): 400 for a name that is no role here, 403 when they would grant a permission
 * the actor does not hold.
 */
export async function rolesToGrant(
  roles: RolesRepository,
  names: string[],
  actor: Principal,
): Promise<Role[]> {
  const found = await roles.findByNames(names);
  const unknown = names.filter((name) => !found.some((role) => role.nameKey === roleNameKey(name)));
  if (unknown.length > 0) {
    throw new AppException(
      HttpStatus.BAD_REQUEST,
      ErrorCode.VALIDATION_ERROR,
      'Validation failed',
      [{ field: 'roles', messages: [`unknown roles: ${unknown.join(', ')}`] }],
    );
  }
  assertHoldsAll(actor, permissionsOf(found), 'grant');
  return found;
}
