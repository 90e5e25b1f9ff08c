import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { readFromReplica } from '../../database/replica-reads';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditLog } from './audit-log.entity';

export interface AuditPageFilter {
  page: number;
  limit: number;
  order: 'asc' | 'desc';
  action?: string;
  userId?: string;
  from?: Date;
  to?: Date;
}

/**
 * Reads audit rows of the current tenant only. (Rows are written by AuditService with an
 * explicit organization, because security events happen before anyone is authenticated.)
 */
@Injectable()
export class AuditLogsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One page of the tenant's audit rows, from a replica: a log that lags by the replication delay is fine. */
  findPage(filter: AuditPageFilter): Promise<[AuditLog[], number]> {
    const tenantId = TenantContext.requireTenantId('audit_logs.findPage');
    return readFromReplica(this.dataSource, (manager) => {
      const query = manager
        .getRepository(AuditLog)
        .createQueryBuilder('log')
        .where('log.organizationId = :tenantId', { tenantId });
      if (filter.action) query.andWhere('log.action = :action', { action: filter.action });
      if (filter.userId) query.andWhere('log.userId = :userId', { userId: filter.userId });
      if (filter.from) query.andWhere('log.createdAt >= :from', { from: filter.from });
      if (filter.to) query.andWhere('log.createdAt <= :to', { to: filter.to });
      return query
        .orderBy('log.createdAt', filter.order === 'asc' ? 'ASC' : 'DESC')
        .addOrderBy('log.id', 'ASC')
        .skip((filter.page - 1) * filter.limit)
        .take(filter.limit)
        .getManyAndCount();
    });
  }
}
