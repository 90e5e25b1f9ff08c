import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { RequestContext } from '../../context/request-context';
import { LOGGER } from '../../logging/logger';
import { AuditLog, type AuditValues } from './audit-log.entity';

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
  SYSTEM_SCOPE_ENTERED: 'system.scope.entered',
} as const;

export interface AuditEntry {
  action: string;
  organizationId?: string | null;
  userId?: string | null;
  entityType?: string;
  entityId?: string;
  before?: AuditValues;
  after?: AuditValues;
  metadata?: AuditValues;
}

/**
 * Writes audit rows. Who, from where and which request come from the request context, so
 * callers only say what happened. Writing is explicit about the organization because
 * security events (a failed login) happen before anyone is authenticated.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const context = RequestContext.current();
    const row = Object.assign(new AuditLog(), {
      action: entry.action,
      organizationId: entry.organizationId ?? context?.tenant?.id ?? null,
      userId: entry.userId ?? context?.principal?.userId ?? null,
      entityType: entry.entityType ?? null,
      entityId: entry.entityId ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
      // Rows written by work acting as a tenant outside its requests say why (SystemScope).
      metadata: context?.systemScope
        ? { ...entry.metadata, systemScope: context.systemScope.reason }
        : (entry.metadata ?? null),
      ip: context?.ip ?? null,
      userAgent: context?.userAgent?.slice(0, 512) ?? null,
      requestId: context?.requestId ?? null,
    });
    await (manager ?? this.dataSource.manager).getRepository(AuditLog).save(row);
    this.logger.info(
      { audit: entry.action, organizationId: row.organizationId, userId: row.userId },
      'audit event',
    );
  }
}
