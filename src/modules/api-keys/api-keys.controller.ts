import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { CurrentUser, Permissions } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  ListApiKeysQueryDto,
} from './dto/api-keys.dto';

/** Key management is for people: api_keys.manage is never a key's, so no key reaches these routes. */
@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Permissions(PERMISSIONS.API_KEYS_MANAGE)
  @Audited(AuditAction.API_KEY_CREATED)
  @ResponseMessage('API key created')
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create an API key (needs api_keys.manage; only permissions you hold)',
    description:
      'The answer holds the key itself, `sk_<env>_<publicId>_<secret>`, this once: only an HMAC of its secret is stored.',
  })
  @ApiEnvelope(CreatedApiKeyResponseDto, { status: 201 })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field): no or unknown permissions, api_keys.manage or roles.manage, an expiry not in the future',
  )
  @ApiErrorResponse(403, 'FORBIDDEN: a permission you do not hold')
  create(
    @Body() dto: CreateApiKeyDto,
    @CurrentUser() principal: UserPrincipal,
  ): Promise<CreatedApiKeyResponseDto> {
    return this.keys.create(dto, principal);
  }

  @Get()
  @Permissions(PERMISSIONS.API_KEYS_MANAGE)
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: "The organization's API keys, revoked ones included (needs api_keys.manage)",
    description: 'Newest first by default. The keys themselves are never shown again.',
  })
  @ApiEnvelope(ApiKeyResponseDto, { paginated: true })
  @ApiErrorResponse(400, 'VALIDATION_ERROR: bad page, limit (1-100) or order')
  list(@Query() query: ListApiKeysQueryDto): Promise<PaginatedResult<ApiKeyResponseDto>> {
    return this.keys.list(query);
  }

  @Delete(':id')
  @Permissions(PERMISSIONS.API_KEYS_MANAGE)
  @Audited(AuditAction.API_KEY_REVOKED)
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('API key revoked')
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key (needs api_keys.manage)',
    description:
      'Its next request is refused (401) on every instance. Revoking a revoked key answers 200 and changes nothing.',
  })
  @ApiUuidParam('id', "The API key's id")
  @ApiEnvelope(null)
  @ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID')
  @ApiErrorResponse(404, {
    description: "NOT_FOUND: no such key in your organization (another organization's included)",
    message: 'API key not found',
  })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<null> {
    await this.keys.revoke(id);
    return null;
  }
}
