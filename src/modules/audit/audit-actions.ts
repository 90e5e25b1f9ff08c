/**
 * The catalogue of audit action codes: every row's `action` is one of these, and nothing else
 * in the code base spells an action as a string. Clients filter `GET /api/audit-logs?action=`
 * by them, so a published code is never renamed.
 */
export const AuditAction = {
  LOGIN_SUCCEEDED: 'auth.login.succeeded',
  LOGIN_FAILED: 'auth.login.failed',
  LOGIN_LOCKED: 'auth.login.locked',
  REGISTERED: 'auth.registered',
  REFRESH_REUSE_DETECTED: 'auth.refresh.reuse_detected',
  LOGOUT: 'auth.logout',
  LOGOUT_ALL: 'auth.logout_all',
  SESSION_ENDED: 'auth.session.ended',
  PASSWORD_CHANGED: 'auth.password.changed',
  PASSWORD_RESET_REQUESTED: 'auth.password.reset_requested',
  PASSWORD_RESET_LINK_SENT: 'auth.password.reset_link_sent',
  PASSWORD_RESET_NOT_SENT: 'auth.password.reset_not_sent',
  PASSWORD_RESET: 'auth.password.reset',
  SYSTEM_SCOPE_ENTERED: 'system.scope.entered',
  SUPERUSER_CREATED: 'superuser.created',
  SUPERUSER_PASSWORD_RESET: 'superuser.password_reset',
  ORGANIZATION_CREATED: 'organization.created',
  ORGANIZATION_UPDATED: 'organization.updated',
  ORGANIZATION_SUSPENDED: 'organization.suspended',
  ORGANIZATION_REACTIVATED: 'organization.reactivated',
  USER_CREATED: 'user.created',
  USER_UPDATED: 'user.updated',
  USER_ROLES_CHANGED: 'user.roles.changed',
  USER_DISABLED: 'user.disabled',
  USER_ENABLED: 'user.enabled',
  USER_PROFILE_UPDATED: 'user.profile.updated',
  ROLE_CREATED: 'role.created',
  ROLE_UPDATED: 'role.updated',
  ROLE_DELETED: 'role.deleted',
  PRODUCT_CREATED: 'product.created',
  PRODUCT_UPDATED: 'product.updated',
  PRODUCT_DELETED: 'product.deleted',
  JOB_RETRIED: 'job.retried',
} as const;

export type AuditActionCode = (typeof AuditAction)[keyof typeof AuditAction];

export const AUDIT_ACTIONS: readonly AuditActionCode[] = Object.values(AuditAction);
