import { SetMetadata } from '@nestjs/common';
import type { AuditActionCode } from './audit-actions';

export const AUDITED_ACTIONS = 'audit:actions';
export const NOT_AUDITED = 'audit:not-audited';

/**
 * The audit actions a mutating route writes (one row per successful call, one of these).
 * The audit walk (test/admin/audit-walk.e2e-spec.ts) calls every mutating route and holds it to this.
 */
export const Audited = (...actions: AuditActionCode[]) => SetMetadata(AUDITED_ACTIONS, actions);

/** A mutating route that deliberately writes no audit row, and why. */
export const NotAudited = (reason: string) => SetMetadata(NOT_AUDITED, reason);
