import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { Principal, TenantRef } from '../../context/request-context';
import {
  ApiEnvelope,
  ApiErrorResponse,
  ApiTenantSelectHeader,
  ApiUuidParam,
} from '../../http/api-docs';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { CurrentPrincipal, CurrentTenant, Permissions } from '../../security/decorators';
import { PERMISSIONS } from '../../security/permissions';
import { Public } from '../../security/public.decorator';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { AuthResponseDto, AuthUserResponseDto } from '../auth/dto/auth-response.dto';
import { sessionTokens } from '../auth/refresh-cookie';
import {
  AcceptInvitationDto,
  CreateInvitationDto,
  InvitationPreviewResponseDto,
  InvitationResponseDto,
  InvitationTokenDto,
  ListInvitationsQueryDto,
} from './dto/invitations.dto';
import { InvitationAcceptanceService } from './invitation-acceptance.service';
import { InvitationsService } from './invitations.service';

const InvitationIdParam = () => ApiUuidParam('id', "The invitation's id");
const NotFound = () =>
  ApiErrorResponse(404, {
    description: 'NOT_FOUND: no such invitation in your organization',
    message: 'Invitation not found',
  });
const Outranks = () =>
  ApiErrorResponse(403, 'FORBIDDEN: the invitation grants a permission you do not hold');
const NotPending = () =>
  ApiErrorResponse(409, 'CONFLICT: the invitation was already accepted or revoked');
const LinkRefused = () =>
  ApiErrorResponse(400, {
    description:
      'TOKEN_INVALID: unknown token, or one of another organization or purpose; VALIDATION_ERROR (details per field); TENANT_REQUIRED: no subdomain and no X-Tenant-ID',
    code: ErrorCode.TOKEN_INVALID,
    message: 'The link is not valid',
  });
const LinkGone = () =>
  ApiErrorResponse(410, {
    description:
      'TOKEN_USED (accepted, or replaced by a resent link), TOKEN_EXPIRED, or INVITATION_REVOKED',
    code: ErrorCode.TOKEN_USED,
    message: 'The link was already used or replaced by a newer one',
  });
const TooMany = () =>
  ApiErrorResponse(
    429,
    'Too many attempts from this IP or for this invitation (TOO_MANY_REQUESTS); see Retry-After',
  );

@ApiTags('invitations')
@Controller('invitations')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly acceptance: InvitationAcceptanceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Permissions(PERMISSIONS.USERS_READ)
  @ApiOperation({
    operationId: 'listInvitations',
    summary:
      'Invitations of your organization (needs users.read); expired ones are pending past expiresAt',
  })
  @ApiEnvelope(InvitationResponseDto, { paginated: true })
  @ApiErrorResponse(400, 'VALIDATION_ERROR: bad page, limit (1-100), sort, order or status')
  list(@Query() query: ListInvitationsQueryDto): Promise<PaginatedResult<InvitationResponseDto>> {
    return this.invitations.list(query);
  }

  @Post()
  @Permissions(PERMISSIONS.USERS_CREATE)
  @Audited(AuditAction.INVITATION_CREATED)
  @ResponseMessage('Invitation sent')
  @ApiOperation({
    operationId: 'createInvitation',
    summary:
      'Invite someone by email with roles (needs users.create; you can only grant permissions you hold); the email goes out at once',
  })
  @ApiEnvelope(InvitationResponseDto, { status: 201 })
  @ApiErrorResponse(400, 'VALIDATION_ERROR (details per field), including an unknown role')
  @ApiErrorResponse(403, 'FORBIDDEN: the roles would grant a permission you do not hold')
  @ApiErrorResponse(
    409,
    'CONFLICT: the email already belongs to a user of this organization, or has a pending invitation (resend it)',
  )
  create(
    @Body() dto: CreateInvitationDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InvitationResponseDto> {
    return this.invitations.create(dto, principal);
  }

  @Delete(':id')
  @Permissions(PERMISSIONS.USERS_CREATE)
  @Audited(AuditAction.INVITATION_REVOKED)
  @ResponseMessage('Invitation revoked')
  @ApiOperation({
    operationId: 'revokeInvitation',
    summary: 'Revoke a pending invitation; its link stops working (needs users.create)',
  })
  @InvitationIdParam()
  @ApiEnvelope(InvitationResponseDto)
  @ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID')
  @Outranks()
  @NotFound()
  @NotPending()
  revoke(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InvitationResponseDto> {
    return this.invitations.revoke(id, principal);
  }

  @Post(':id/resend')
  @Permissions(PERMISSIONS.USERS_CREATE)
  @Audited(AuditAction.INVITATION_RESENT)
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Invitation resent')
  @ApiOperation({
    operationId: 'resendInvitation',
    summary:
      'Send a new link with a fresh expiry; the previous link stops working (needs users.create)',
  })
  @InvitationIdParam()
  @ApiEnvelope(InvitationResponseDto)
  @ApiErrorResponse(400, 'BAD_REQUEST: the id is not a UUID')
  @Outranks()
  @NotFound()
  @NotPending()
  resend(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InvitationResponseDto> {
    return this.invitations.resend(id, principal);
  }

  @Post('preview')
  @Public()
  @Audited(AuditAction.INVITATION_PREVIEWED)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'previewInvitation',
    summary:
      'What an invitation link offers, without using it up (organization named as for login)',
  })
  @ApiTenantSelectHeader()
  @ApiEnvelope(InvitationPreviewResponseDto)
  @LinkRefused()
  @LinkGone()
  @TooMany()
  preview(
    @Body() dto: InvitationTokenDto,
    @CurrentTenant() tenant: TenantRef | undefined,
  ): Promise<InvitationPreviewResponseDto> {
    return this.acceptance.preview(dto.token, tenant);
  }

  @Post('accept')
  @Public()
  @Audited(AuditAction.INVITATION_ACCEPTED)
  @ResponseMessage('Invitation accepted')
  @ApiOperation({
    operationId: 'acceptInvitation',
    summary:
      "Accept an invitation: creates the user with the invitation's email and roles (email verified) and signs them in",
    description:
      'Organization, email and roles come from the invitation; a body naming them is refused. The refresh token is a cookie, or in the body with refreshTokenInBody, as at login.',
  })
  @ApiTenantSelectHeader()
  @ApiEnvelope(AuthResponseDto, { status: 201 })
  @LinkRefused()
  @ApiErrorResponse(409, 'CONFLICT: a user with this email joined the organization meanwhile')
  @LinkGone()
  @TooMany()
  async accept(
    @Body() dto: AcceptInvitationDto,
    @CurrentTenant() tenant: TenantRef | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthResponseDto> {
    const { session } = await this.acceptance.accept(dto, tenant);
    return {
      user: AuthUserResponseDto.from(session.identity),
      organization: session.identity.organization,
      tokens: sessionTokens(session, reply, this.config, dto.refreshTokenInBody === true),
    };
  }
}
