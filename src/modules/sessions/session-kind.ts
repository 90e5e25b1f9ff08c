import type { UserPrincipal } from '../../context/request-context';
import { PLATFORM_ID } from '../../context/platform';

/** Platform sessions belong to superusers, tenant sessions to an organization's users (API keys have none). */
export type SessionKind = UserPrincipal['kind'];

export function sessionKindOf(organizationId: string): SessionKind {
  return organizationId === PLATFORM_ID ? 'platform' : 'tenant';
}
