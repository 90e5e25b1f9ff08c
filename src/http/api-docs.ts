import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiParam,
  ApiResponse,
  type ApiResponseOptions,
  getSchemaPath,
  type ReferenceObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { ErrorBodyDto, PaginationDto, SuccessEnvelopeDto } from './envelope.dto';
import { ErrorCode } from './error-codes';
import { INT32_MAX, UUID_LENGTH } from './api-properties';
import { MAX_PAGE_SIZE } from './pagination.dto';

/*
 * Swagger decorators for what ApiFastifyAdapter and GlobalExceptionFilter actually send, so a
 * controller documents its DTO and the envelope around it comes out right:
 *
 *   @ApiEnvelope(UserResponseDto)                        { success, data: UserResponseDto, message }
 *   @ApiEnvelope(UserResponseDto, { paginated: true })   { success, data: UserResponseDto[], pagination, message }
 *   @ApiEnvelope(null)                                   { success, data: null, message }
 *   @ApiEnvelope([AuthResponseDto, MfaChallengeDto])     { success, data: one of them, message }
 *   @ApiErrorResponse(404, 'NOT_FOUND: no such user')    { success: false, error, message, statusCode, requestId }
 *   @ApiErrorResponses(400, 409)                         the same with the default descriptions
 *
 * 401 and 403 come with @Permissions, @PlatformOnly and @Authenticated (src/security/decorators.ts).
 */

export interface ApiEnvelopeOptions {
  /** 200 (default) or 201 for creations. */
  status?: number;
  /** `data` is an array of the model (a plain list, no pagination). */
  isArray?: boolean;
  /** The most items a plain list holds; pages hold at most MAX_PAGE_SIZE. */
  maxItems?: number;
  /** The handler returns a PaginatedResult: `data` is an array and the envelope has `pagination`. */
  paginated?: boolean;
  description?: string;
}

const NULL_DATA: SchemaObject = {
  type: 'object',
  nullable: true,
  enum: [null],
  description: 'Always null',
};

function defaultDescription(
  status: number,
  model: Type<unknown> | null,
  paginated: boolean,
): string {
  if (!model) return 'Done; `data` is null';
  if (paginated) return 'One page, with pagination';
  return status === 201 ? 'Created' : 'OK';
}

/**
 * The success envelope around `model`; `null` for handlers that answer `data: null`, and a
 * list of models for handlers that answer one of several shapes.
 */
export function ApiEnvelope(
  model: Type<unknown> | Type<unknown>[] | null,
  options: ApiEnvelopeOptions = {},
) {
  if (Array.isArray(model)) {
    return applyDecorators(
      ApiExtraModels(SuccessEnvelopeDto, ...model),
      ApiResponse({
        status: options.status ?? 200,
        description: options.description ?? 'One of the shapes below',
        schema: {
          allOf: [
            { $ref: getSchemaPath(SuccessEnvelopeDto) },
            {
              type: 'object',
              properties: { data: { oneOf: model.map((one) => ({ $ref: getSchemaPath(one) })) } },
              required: ['data'],
            },
          ],
        },
      }),
    );
  }
  const { status = 200, paginated = false } = options;
  const isArray = paginated || options.isArray === true;
  const properties: Record<string, SchemaObject | ReferenceObject> = {};
  if (!model) properties.data = { ...NULL_DATA };
  else if (isArray) {
    properties.data = {
      type: 'array',
      items: { $ref: getSchemaPath(model) },
      ...(paginated ? { maxItems: MAX_PAGE_SIZE } : {}),
      ...(options.maxItems === undefined ? {} : { maxItems: options.maxItems }),
    };
  } else properties.data = { $ref: getSchemaPath(model) };
  if (paginated) properties.pagination = { $ref: getSchemaPath(PaginationDto) };

  return applyDecorators(
    ApiExtraModels(
      SuccessEnvelopeDto,
      ...(paginated ? [PaginationDto] : []),
      ...(model ? [model] : []),
    ),
    ApiResponse({
      status,
      description: options.description ?? defaultDescription(status, model, paginated),
      schema: {
        allOf: [
          { $ref: getSchemaPath(SuccessEnvelopeDto) },
          { type: 'object', properties, required: Object.keys(properties) },
        ],
      },
    }),
  );
}

/** The error statuses the API answers with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 500 | 503;

interface ErrorDefault {
  description: string;
  code: ErrorCode;
  message: string;
}

const ERROR_DEFAULTS: Record<ErrorStatus, ErrorDefault> = {
  400: {
    description: 'VALIDATION_ERROR (details per field), MALFORMED_JSON or BAD_REQUEST',
    code: ErrorCode.VALIDATION_ERROR,
    message: 'Validation failed',
  },
  401: {
    description: 'UNAUTHORIZED: missing, invalid, expired or revoked access token',
    code: ErrorCode.UNAUTHORIZED,
    message: 'Missing, invalid or revoked access token',
  },
  403: {
    description: 'FORBIDDEN',
    code: ErrorCode.FORBIDDEN,
    message: 'You do not have permission to do this',
  },
  404: { description: 'NOT_FOUND', code: ErrorCode.NOT_FOUND, message: 'Not found' },
  409: {
    description: 'CONFLICT',
    code: ErrorCode.CONFLICT,
    message: 'Conflicts with the current state',
  },
  410: {
    description:
      'TOKEN_EXPIRED or TOKEN_USED: the link of an email no longer works; ask for a new one',
    code: ErrorCode.TOKEN_USED,
    message: 'The link was already used or replaced by a newer one',
  },
  413: {
    description: 'PAYLOAD_TOO_LARGE: the body exceeds the size limit',
    code: ErrorCode.PAYLOAD_TOO_LARGE,
    message: 'Request body is too large',
  },
  415: {
    description: 'UNSUPPORTED_MEDIA_TYPE: send application/json',
    code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: 'Unsupported Media Type',
  },
  429: {
    description: 'TOO_MANY_REQUESTS: retry after the number of seconds in Retry-After',
    code: ErrorCode.TOO_MANY_REQUESTS,
    message: 'Too many attempts; try again later',
  },
  500: {
    description: 'INTERNAL_ERROR: an unexpected failure; the log line carries the same requestId',
    code: ErrorCode.INTERNAL_ERROR,
    message: 'Internal server error',
  },
  503: {
    description:
      'SERVICE_UNAVAILABLE: the database or Redis does not answer; retry after Retry-After seconds',
    code: ErrorCode.SERVICE_UNAVAILABLE,
    message: 'A backing service is unavailable; try again shortly',
  },
};

export interface ApiErrorOptions {
  /** What causes this status on this route, starting with its error code(s). */
  description?: string;
  /** The `error` of the example body; defaults to the status's usual code. */
  code?: ErrorCode;
  /** The `message` of the example body. */
  message?: string;
}

/** Retry-After as the server sends it: whole seconds. */
const RETRY_AFTER = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', format: 'int32', minimum: 1, maximum: INT32_MAX },
};

/** The response options of one error status, for a route or for every route (500). */
export function errorResponseOptions(
  status: ErrorStatus,
  options: ApiErrorOptions | string = {},
): ApiResponseOptions {
  const { description, code, message } =
    typeof options === 'string' ? { description: options } : options;
  const defaults = ERROR_DEFAULTS[status];
  const example: ErrorBodyDto = {
    success: false,
    error: code ?? defaults.code,
    message: message ?? defaults.message,
    statusCode: status,
    requestId: '0f9c2b1e-5d1a-4a57-9d3e-2f8f1a6c7b90',
    ...((code ?? defaults.code) === ErrorCode.VALIDATION_ERROR
      ? { details: [{ field: 'email', messages: ['email must be an email'] }] }
      : {}),
  };
  const retryAfter = status === 429 || status === 503;
  return {
    status,
    description: description ?? defaults.description,
    type: ErrorBodyDto,
    example,
    ...(retryAfter ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
  };
}

/** One error status of a route, documented with the error envelope (ErrorBodyDto). */
export function ApiErrorResponse(status: ErrorStatus, options: ApiErrorOptions | string = {}) {
  return ApiResponse(errorResponseOptions(status, options));
}

/** Several error statuses with their default descriptions. */
export function ApiErrorResponses(...statuses: ErrorStatus[]) {
  return applyDecorators(...statuses.map((status) => ApiErrorResponse(status)));
}

/** A path parameter checked by ParseUUIDPipe (400 BAD_REQUEST when it is not a UUID). */
export const ApiUuidParam = (name: string, description: string) =>
  ApiParam({
    name,
    description,
    schema: { type: 'string', format: 'uuid', minLength: UUID_LENGTH, maxLength: UUID_LENGTH },
  });

/** An organization's id or subdomain, as X-Tenant-ID carries it. */
const TENANT_HINT = { type: 'string', maxLength: 63 } as const;

/**
 * X-Tenant-ID on a tenant route: optional, and when sent it must name the organization of the
 * access token (403 TENANT_MISMATCH otherwise). No example, so "Try it out" sends none.
 */
export const ApiTenantCheckHeader = () =>
  ApiHeader({
    name: 'X-Tenant-ID',
    required: false,
    description:
      "Optional organization id or subdomain; when sent, it must name the token's organization (403 TENANT_MISMATCH otherwise)",
    schema: TENANT_HINT,
  });

/** X-Tenant-ID on sign-in, where it selects the organization (or the Host subdomain does). */
export const ApiTenantSelectHeader = () =>
  ApiHeader({
    name: 'X-Tenant-ID',
    required: false,
    description:
      'The organization to sign in to: its id or subdomain. Optional when the Host subdomain names it.',
    schema: { ...TENANT_HINT, example: 'acme' },
  });
