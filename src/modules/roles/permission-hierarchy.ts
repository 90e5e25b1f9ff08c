import { HttpStatus } from '@nestjs/common';
import type { Principal } from '../../context/request-context';
import { AppException } from '../../http/app-exception';
import { ErrorCode } from '../../http/error-codes';

/**
 * Administration never reaches above the actor: nobody grants a permission they do not hold,
 * nor acts on a user or edits a role that holds one. `what` completes the 403 message
 * "You cannot <what> permissions you do not hold: ...".
 */
export function assertHoldsAll(
  actor: Principal,
  permissions: Iterable<string>,
  what: 'grant' | 'change a user who holds' | 'change a role that holds',
): void {
  const missing = [...new Set(permissions)].filter((code) => !actor.permissions.includes(code));
  if (missing.length > 0)
    throw new AppException(
      HttpStatus.FORBIDDEN,
      ErrorCode.FORBIDDEN,
      `You cannot ${what} permissions you do not hold: ${missing.sort().join(', ')}`,
    );
}
