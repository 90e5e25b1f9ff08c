import { HttpStatus, Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { SystemScope } from '../../tenancy/system-scope.service';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { OrganizationResponseDto, type UpdateOrganizationDto } from './dto/organizations.dto';
import type { Organization } from './organization.entity';
import { OrganizationsRepository } from './organizations.repository';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Organization not found');

function snapshot(organization: Organization): Record<string, unknown> {
  return {
    name: organization.name,
    status: organization.status,
    settings: organization.settings ?? {},
    requireVerifiedEmail: organization.requireVerifiedEmail,
    mfaRequired: organization.mfaRequired,
  };
}

/**
 * The caller's organization, and the platform's view of every organization. Each change
 * commits with its audit row; sessions end and cached identities are invalidated after the
 * commit, so a rolled-back change ends nothing.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly transactions: TransactionRunner,
    private readonly sessions: SessionControl,
    private readonly audit: AuditService,
    private readonly systemScope: SystemScope,
  ) {}

  async current(): Promise<OrganizationResponseDto> {
    const organization = await this.organizations.findById(
      TenantContext.requireTenantId('organizations.current'),
    );
    if (!organization) throw notFound();
    return OrganizationResponseDto.from(organization);
  }

  async updateCurrent(dto: UpdateOrganizationDto): Promise<OrganizationResponseDto> {
    const id = TenantContext.requireTenantId('organizations.updateCurrent');
    const after = await this.transactions.run(async (manager) => {
      const before = await this.organizations.findByIdForUpdate(id, manager);
      if (!before) throw notFound();
      await this.organizations.update(
        id,
        {
          name: dto.name ?? before.name,
          settings: dto.settings ?? before.settings,
          requireVerifiedEmail: dto.requireVerifiedEmail ?? before.requireVerifiedEmail,
          mfaRequired: dto.mfaRequired ?? before.mfaRequired,
        },
        manager,
      );
      const updated = await this.organizations.findByIdForUpdate(id, manager);
      if (!updated) throw notFound();
      await this.audit.record(
        {
          action: AuditAction.ORGANIZATION_UPDATED,
          entityType: 'organization',
          entityId: id,
          before: snapshot(before),
          after: snapshot(updated),
        },
        manager,
      );
      return updated;
    });
    await this.invalidateMembers(after);
    return OrganizationResponseDto.from(after);
  }

  async list(
    page: number,
    limit: number,
    order: 'asc' | 'desc',
  ): Promise<PaginatedResult<OrganizationResponseDto>> {
    const [rows, total] = await this.organizations.findPage(page, limit, order);
    return new PaginatedResult(
      rows.map((row) => OrganizationResponseDto.from(row)),
      page,
      limit,
      total,
    );
  }

  /**
   * Superuser: suspending ends every session of the organization's users at once. The tenant's
   * audit row names a "platform operator", never the superuser (AuditService).
   */
  async setStatus(id: string, status: 'active' | 'suspended'): Promise<OrganizationResponseDto> {
    const after = await this.transactions.run(async (manager) => {
      const before = await this.organizations.findByIdForUpdate(id, manager);
      if (!before) throw notFound();
      await this.organizations.update(id, { status }, manager);
      const updated = await this.organizations.findByIdForUpdate(id, manager);
      if (!updated) throw notFound();
      await this.audit.record(
        {
          action:
            status === 'suspended'
              ? AuditAction.ORGANIZATION_SUSPENDED
              : AuditAction.ORGANIZATION_REACTIVATED,
          organizationId: updated.id,
          entityType: 'organization',
          entityId: updated.id,
          before: snapshot(before),
          after: snapshot(updated),
        },
        manager,
      );
      return updated;
    });
    await this.systemScope.asTenant(after, 'organization status change', async () => {
      const userIds = await this.users.findAllIds();
      for (const userId of userIds) {
        if (status === 'suspended') await this.sessions.endAll(after.id, userId);
        await this.sessions.invalidateIdentity(after.id, userId);
      }
    });
    return OrganizationResponseDto.from(after);
  }

  private async invalidateMembers(organization: Organization): Promise<void> {
    for (const userId of await this.users.findAllIds())
      await this.sessions.invalidateIdentity(organization.id, userId);
  }
}
