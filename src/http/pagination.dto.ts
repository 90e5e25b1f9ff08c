import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * Highest page a list serves: with `limit` at most MAX_PAGE_SIZE, the offset stays at most 999,900,
 * far inside a safe integer and any database's OFFSET. Deeper than that, narrow the list with filters.
 */
export const MAX_PAGE = 10_000;
/** The largest page size of every list. */
export const MAX_PAGE_SIZE = 100;

/**
 * A query-string integer: plain decimal digits only. Anything else (`1e3`, `0x10`, ` 1`,
 * `Infinity`, a repeated parameter) stays as it came and fails @IsInt, where Number() would
 * have turned it into a number.
 */
export const QueryInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : value,
  );

/**
 * page / limit / order shared by every list endpoint; each list adds its own sort allowlist and
 * filters. The fields have defaults, so the document marks them optional by hand, and the bounds
 * are constants, which the Swagger plugin's metadata cannot read.
 */
export class PageQueryDto {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, required: false })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    required: false,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}
