/**
 * The catalogue of audit action codes: every row's `action` is one of these, and nothing else
 * in the code base spells an action as a string. Clients filter `GET /api/audit-logs?action=`
 * by them, so a published code is never renamed.
 */
export const AuditAction = {
  LOGIN_SUCCEEDED: 'auth.login.succeeded',
  LOGIN_FAILED: 'auth.login.failed',
  LOGIN_LOCKED: 'auth.login.locked',
  /** The password was right; the sign-in waits for the second factor. */
  LOGIN_MFA_CHALLENGED: 'auth.login.mfa_challenged',
  REGISTERED: 'auth.registered',
  REFRESH_REUSE_DETECTED: 'auth.refresh.reuse_detected',
  LOGOUT: 'auth.logout',
  LOGOUT_ALL: 'auth.logout_all',
  SESSION_ENDED: 'auth.session.ended',
  PASSWORD_CHANGED: 'auth.password.changed',
  MFA_ENABLED: 'auth.mfa.enabled',
  MFA_DISABLED: 'auth.mfa.disabled',
  MFA_RECOVERY_CODES_REGENERATED: 'auth.mfa.recovery_codes_regenerated',
  /** An administrator turned off a user's second factor. */
  MFA_RESET: 'auth.mfa.reset',
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
  USER_EMAIL_VERIFICATION_REQUESTED: 'user.email.verification_requested',
  USER_EMAIL_VERIFIED: 'user.email.verified',
  USER_EMAIL_CHANGE_REQUESTED: 'user.email.change_requested',
  USER_EMAIL_CHANGED: 'user.email.changed',
  ROLE_CREATED: 'role.created',
  ROLE_UPDATED: 'role.updated',
  ROLE_DELETED: 'role.deleted',
  PRODUCT_CREATED: 'product.created',
  PRODUCT_UPDATED: 'product.updated',
  PRODUCT_DELETED: 'product.deleted',
  JOB_RETRIED: 'job.retried',
  INVITATION_CREATED: 'invitation.created',
  INVITATION_RESENT: 'invitation.resent',
  INVITATION_REVOKED: 'invitation.revoked',
  INVITATION_ACCEPTED: 'invitation.accepted',
  /** Someone followed an invitation link and looked at what it offers (nothing changes). */
  INVITATION_PREVIEWED: 'invitation.previewed',
  API_KEY_CREATED: 'api_key.created',
  API_KEY_REVOKED: 'api_key.revoked',
} as const;

export type AuditActionCode = (typeof AuditAction)[keyof typeof AuditAction];

export const AUDIT_ACTIONS: readonly AuditActionCode[] = Object.values(AuditAction);
