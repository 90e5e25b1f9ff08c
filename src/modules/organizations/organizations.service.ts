import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { SystemScope } from '../../tenancy/system-scope.service';
import { TenantContext } from '../../tenancy/tenant-context';
import { AuditService } from '../audit/audit.service';
import { SessionControl } from '../sessions/session-control';
import { UsersRepository } from '../users/users.repository';
import { OrganizationDto, type UpdateOrganizationDto } from './dto/organizations.dto';
import type { Organization } from './organization.entity';
import { OrganizationsRepository } from './organizations.repository';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'Organization not found');

function snapshot(organization: Organization): Record<string, unknown> {
  return {
    name: organization.name,
    status: organization.status,
    settings: organization.settings ?? {},
  };
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly sessions: SessionControl,
    private readonly audit: AuditService,
    private readonly systemScope: SystemScope,
  ) {}

  async current(): Promise<OrganizationDto> {
    const organization = await this.organizations.findById(
      TenantContext.requireTenantId('organizations.current'),
    );
    if (!organization) throw notFound();
    return OrganizationDto.from(organization);
  }

  async updateCurrent(dto: UpdateOrganizationDto): Promise<OrganizationDto> {
    const id = TenantContext.requireTenantId('organizations.updateCurrent');
    const before = await this.organizations.findById(id);
    if (!before) throw notFound();
    await this.organizations.update(id, {
      name: dto.name ?? before.name,
      settings: dto.settings ?? before.settings,
    });
    const after = await this.organizations.findById(id);
    if (!after) throw notFound();
    await this.invalidateMembers(after);
    await this.audit.record({
      action: 'organization.updated',
      entityType: 'organization',
      entityId: id,
      before: snapshot(before),
      after: snapshot(after),
    });
    return OrganizationDto.from(after);
  }

  async list(
    page: number,
    limit: number,
    order: 'asc' | 'desc',
  ): Promise<PaginatedResult<OrganizationDto>> {
    const [rows, total] = await this.organizations.findPage(page, limit, order);
    return new PaginatedResult(
      rows.map((row) => OrganizationDto.from(row)),
      page,
      limit,
      total,
    );
  }

  /** Superuser: suspending ends every session of the organization's users at once. */
  async setStatus(id: string, status: 'active' | 'suspended'): Promise<OrganizationDto> {
    const before = await this.organizations.findById(id);
    if (!before) throw notFound();
    await this.organizations.update(id, { status });
    const after = await this.organizations.findById(id);
    if (!after) throw notFound();
    await this.systemScope.asTenant(after, 'organization status change', async () => {
      const userIds = await this.users.findAllIds();
      for (const userId of userIds) {
        if (status === 'suspended') await this.sessions.endAll(userId);
        await this.sessions.invalidateIdentity(after.id, userId);
      }
    });
    await this.audit.record({
      action: status === 'suspended' ? 'organization.suspended' : 'organization.reactivated',
      organizationId: after.id,
      entityType: 'organization',
      entityId: after.id,
      before: snapshot(before),
      after: snapshot(after),
    });
    return OrganizationDto.from(after);
  }

  private async invalidateMembers(organization: Organization): Promise<void> {
    for (const userId of await this.users.findAllIds())
      await this.sessions.invalidateIdentity(organization.id, userId);
  }
}
