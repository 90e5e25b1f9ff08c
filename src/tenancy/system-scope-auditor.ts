/**
 * The port SystemScope records a cross-tenant entry through. Tenancy is infrastructure and
 * cannot depend on the audit feature; the audit module provides this (AuditModule).
 */
export abstract class SystemScopeAuditor {
  /** Writes the row that says cross-tenant work is about to start, and why. */
  abstract scopeEntered(reason: string): Promise<void>;
}
