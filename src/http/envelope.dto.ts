import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { INT32_MAX } from './api-properties';
import type { FieldError } from './app-exception';
import type { Pagination, SuccessEnvelope } from './envelope';
import { ErrorCode } from './error-codes';
import { MAX_PAGE_SIZE } from './pagination.dto';
import type { ErrorBody } from './exception.filter';

/*
 * Swagger shapes of the envelopes that the API's Fastify adapter and GlobalExceptionFilter wrap around
 * every response. Documentation only: nothing is validated or transformed through these classes,
 * and each one implements the runtime type it documents so the two cannot drift apart.
 * The decorators that use them are in ./api-docs.ts.
 */

const INT32 = { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX } as const;

@ApiSchema({ description: '`pagination` of a list envelope' })
export class PaginationDto implements Pagination {
  @ApiProperty({ ...INT32, minimum: 1, example: 1 }) page!: number;
  @ApiProperty({ ...INT32, minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 }) limit!: number;
  @ApiProperty({ ...INT32, example: 42, description: 'Matching rows over all pages' })
  total!: number;
  @ApiProperty({ ...INT32, example: 3 }) totalPages!: number;
}

@ApiSchema({
  description:
    'Every successful response (except GET /health). `data` is documented per operation; lists add `pagination`.',
})
export class SuccessEnvelopeDto implements Pick<SuccessEnvelope, 'success' | 'message'> {
  @ApiProperty({ type: Boolean, enum: [true], example: true }) success!: true;
  @ApiProperty({ maxLength: 200, example: 'OK', description: 'Short human-readable outcome' })
  message!: string;
}

@ApiSchema({ description: 'One invalid field of a VALIDATION_ERROR' })
export class FieldErrorDto implements FieldError {
  @ApiProperty({
    maxLength: 200,
    example: 'email',
    description: 'Dotted path of the field in the request',
  })
  field!: string;
  @ApiProperty({
    type: [String],
    maxItems: 20,
    items: { maxLength: 500 },
    example: ['email must be an email'],
  })
  messages!: string[];
}

@ApiSchema({ description: 'Every error response, whatever its status' })
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ type: Boolean, enum: [false], example: false }) success!: false;
  @ApiProperty({
    enum: Object.values(ErrorCode),
    enumName: 'ErrorCode',
    example: ErrorCode.VALIDATION_ERROR,
    description: 'Stable machine-readable code (src/http/error-codes.ts); clients may branch on it',
  })
  error!: ErrorCode;
  /** A not-found message repeats the path, which Node's 16 KiB limit on the request head bounds. */
  @ApiProperty({ maxLength: 16_384, example: 'Validation failed' })
  message!: string;
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 400,
    maximum: 599,
    example: 400,
    description: 'The HTTP status, repeated',
  })
  statusCode!: number;
  @ApiProperty({
    maxLength: 128,
    example: '0f9c2b1e-5d1a-4a57-9d3e-2f8f1a6c7b90',
    description: 'Same as the X-Request-Id header',
  })
  requestId!: string;
  @ApiPropertyOptional({
    type: [FieldErrorDto],
    maxItems: 100,
    description: 'VALIDATION_ERROR only: one entry per invalid field',
  })
  details?: FieldErrorDto[];
}
