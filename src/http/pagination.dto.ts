import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * Highest page a list serves: with `limit` at most 100, the offset stays at most 999,900, far
 * inside a safe integer and any database's OFFSET. Deeper than that, narrow the list with filters.
 */
export const MAX_PAGE = 10_000;
export const MAX_LIMIT = 100;

/**
 * A query-string integer: plain decimal digits only. Anything else (`1e3`, `0x10`, ` 1`,
 * `Infinity`, a repeated parameter) stays as it came and fails @IsInt, where Number() would
 * have turned it into a number.
 */
export const QueryInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : value,
  );

/** page / limit / order shared by every list endpoint; each list adds its own sort allowlist and filters. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: 20 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = 20;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}
