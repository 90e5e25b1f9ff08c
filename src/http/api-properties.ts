import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

/*
 * Swagger properties for response fields, which carry no validator the CLI plugin could read
 * limits from. Bounded lengths keep generated clients and linters from assuming unbounded text.
 */

/** A UUID in its canonical textual form. */
export const UUID_LENGTH = 36;
/** Date.prototype.toISOString() for a four-digit year: 2026-01-31T12:00:00.000Z. */
export const TIMESTAMP_LENGTH = 24;

/** The largest `format: int32` integer, the bound of counts that have no smaller one. */
export const INT32_MAX = 2_147_483_647;

type Extra = Pick<ApiPropertyOptions, 'description' | 'nullable' | 'example'>;

export const ApiUuidProperty = (extra: Extra = {}) =>
  ApiProperty({
    type: String,
    format: 'uuid',
    minLength: UUID_LENGTH,
    maxLength: UUID_LENGTH,
    ...extra,
  });

export const ApiTimestampProperty = (extra: Extra = {}) =>
  ApiProperty({
    type: String,
    format: 'date-time',
    maxLength: TIMESTAMP_LENGTH,
    example: '2026-01-31T12:00:00.000Z',
    ...extra,
  });
