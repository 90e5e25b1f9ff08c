import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { RequestContext } from '../../context/request-context';
import { LOGGER } from '../../logging/logger';
import type { AuditActionCode } from './audit-actions';
import { AuditLog, type AuditValues } from './audit-log.entity';
import { boundAuditValues } from './audit-values';
import { isPlatformPrincipal, PLATFORM_OPERATOR } from './platform-principal';

export interface AuditEntry {
  action: AuditActionCode;
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
 *
 * Pass the transaction's `manager` so that the row commits or rolls back with the change it
 * records. Values are bounded (audit-values.ts), so the insert cannot fail on their size.
 *
 * A platform operator acting on a tenant leaves two rows: the tenant's, which says "platform
 * operator" and carries no user id, IP, user agent or request id, and the platform's full
 * record outside every tenant (organization_id null, the tenant in metadata.organizationId).
 *
 * An API key is nobody: its rows carry no user id and name the key in metadata.actor
 * (`{ type: 'api_key', id, name }`), so the log says which key did it.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const context = RequestContext.current();
    const principal = context?.principal;
    const organizationId = entry.organizationId ?? context?.tenant?.id ?? null;
    const extra = {
      ...(principal?.kind === 'api_key'
        ? { actor: { type: 'api_key', id: principal.apiKeyId, name: principal.apiKeyName } }
        : {}),
      // Rows written by work acting as a tenant outside its requests say why (SystemScope).
      ...(context?.systemScope ? { systemScope: context.systemScope.reason } : {}),
    };
    const row = Object.assign(new AuditLog(), {
      action: entry.action,
      organizationId,
      userId: entry.userId ?? principal?.userId ?? null,
      entityType: entry.entityType ?? null,
      entityId: entry.entityId ?? null,
      before: boundAuditValues(entry.before),
      after: boundAuditValues(entry.after),
      metadata: boundAuditValues(
        Object.keys(extra).length > 0 ? { ...entry.metadata, ...extra } : entry.metadata,
      ),
      ip: context?.ip ?? null,
      userAgent: context?.userAgent ?? null,
      requestId: context?.requestId ?? null,
    });
    const rows =
      organizationId !== null && isPlatformPrincipal(context?.principal)
        ? [
            Object.assign(new AuditLog(), row, {
              userId: null,
              ip: null,
              userAgent: null,
              requestId: null,
              metadata: boundAuditValues({ ...entry.metadata, actor: PLATFORM_OPERATOR }),
            }),
            Object.assign(new AuditLog(), row, {
              organizationId: null,
              metadata: boundAuditValues({ ...entry.metadata, organizationId }),
            }),
          ]
        : [row];
    await (manager ?? this.dataSource.manager).getRepository(AuditLog).save(rows);
    this.logger.info(
      { audit: entry.action, organizationId: row.organizationId, userId: row.userId },
      'audit event',
    );
  }
}
