import type { Principal, UserPrincipal } from '../../context/request-context';
import { ADMIN_ROLE } from '../../security/permissions';

/**
 * Whether the principal must enrol before doing anything else: the organization's policy
 * covers them (`everyone`, or `admins` and they hold the admin role), or, for a superuser,
 * SUPERUSER_MFA_REQUIRED; and they have no second factor yet. Read from the session cache,
 * which a policy change or an enrolment invalidates, so it applies on the next request.
 */
export function mfaEnrolmentRequired(principal: Principal, superuserRequired: boolean): boolean {
  // An API key signs in with no person and no second factor: the policy is about people.
  if (principal.kind === 'api_key') return false;
  return !principal.identity.user.mfaEnabled && mfaRequiredOf(principal, superuserRequired);
}

/** Whether the policy covers the principal, enrolled or not. */
export function mfaRequiredOf(principal: UserPrincipal, superuserRequired: boolean): boolean {
  if (principal.kind === 'platform') return superuserRequired;
  const policy = principal.identity.organization.mfaRequired;
  return policy === 'everyone' || (policy === 'admins' && principal.roles.includes(ADMIN_ROLE));
}
