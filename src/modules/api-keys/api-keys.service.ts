import { HttpStatus, Injectable } from '@nestjs/common';
import type { Principal } from '../../context/request-context';
import { TransactionRunner } from '../../database/transaction-runner.service';
import { AppException } from '../../http/app-exception';
import { PaginatedResult } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { assertHoldsAll } from '../roles/permission-hierarchy';
import { ApiKey } from './api-key.entity';
import { apiKeyPrefix, ApiKeySecrets } from './api-key-secrets';
import { ApiKeysRepository } from './api-keys.repository';
import {
  ApiKeyResponseDto,
  type CreateApiKeyDto,
  type CreatedApiKeyResponseDto,
  type ListApiKeysQueryDto,
} from './dto/api-keys.dto';

const notFound = () =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, 'API key not found');

/**
 * The API keys of the current tenant. A key's permissions are a subset of its creator's at
 * creation; the key itself leaves the server once, in the creation response. Writes and their
 * audit rows commit together. Another tenant's key is simply not found (404).
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly secrets: ApiKeySecrets,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateApiKeyDto, actor: Principal): Promise<CreatedApiKeyResponseDto> {
    // The guard keeps keys off this route (no key holds api_keys.manage); a key minting keys
    // would outlive its own revocation, so the rule is stated here as well.
    if (actor.kind === 'api_key')
      throw new AppException(
        HttpStatus.FORBIDDEN,
        ErrorCode.FORBIDDEN,
        'API keys cannot create keys',
      );
    assertHoldsAll(actor, dto.permissions, 'grant');
    const expiresAt = dto.expiresAt === undefined ? null : new Date(dto.expiresAt);
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.VALIDATION_ERROR,
        'Validation failed',
        [{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }],
      );
    const generated = this.secrets.generate();
    const key = Object.assign(new ApiKey(), {
      publicId: generated.publicId,
      name: dto.name,
      secretHmac: generated.secretHmac,
      permissions: [...dto.permissions].sort(),
      createdBy: actor.userId,
      lastUsedAt: null,
      expiresAt,
      revokedAt: null,
    });
    const created = await this.transactions.run(async (manager) => {
      const inserted = await this.keys.transactional(manager).insert(key);
      await this.audit.record(
        {
          action: AuditAction.API_KEY_CREATED,
          entityType: 'api_key',
          entityId: inserted.id,
          after: this.snapshot(inserted),
        },
        manager,
      );
      return inserted;
    });
    return { ...ApiKeyResponseDto.from(created, this.secrets.environment), key: generated.key };
  }

  async list(query: ListApiKeysQueryDto): Promise<PaginatedResult<ApiKeyResponseDto>> {
    const [rows, total] = await this.keys.findPage(query.page, query.limit, query.order);
    return new PaginatedResult(
      rows.map((row) => ApiKeyResponseDto.from(row, this.secrets.environment)),
      query.page,
      query.limit,
      total,
    );
  }

  /**
   * Revokes the key: its next request is refused on every instance, as authentication reads
   * the row each time. Revoking a revoked key changes nothing and writes no audit row.
   */
  async revoke(id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const keys = this.keys.transactional(manager);
      const current = await keys.findById(id);
      if (!current) throw notFound();
      if (!(await keys.revoke(id, new Date()))) return;
      await this.audit.record(
        {
          action: AuditAction.API_KEY_REVOKED,
          entityType: 'api_key',
          entityId: id,
          before: this.snapshot(current),
        },
        manager,
      );
    });
  }

  /** What the audit log keeps of a key: never its secret or HMAC. */
  private snapshot(key: ApiKey): Record<string, unknown> {
    return {
      id: key.id,
      name: key.name,
      prefix: apiKeyPrefix(this.secrets.environment, key.publicId),
      permissions: key.permissions,
      expiresAt: key.expiresAt?.toISOString() ?? null,
    };
  }
}
