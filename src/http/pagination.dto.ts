import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT32_MAX } from './api-properties';

/** The largest page size of every list. */
export const MAX_PAGE_SIZE = 100;

/**
 * page / limit / order shared by every list endpoint; each list adds its own sort allowlist and
 * filters. The fields have defaults, so the document marks them optional by hand.
 */
export class PageQueryDto {
  @ApiProperty({ type: 'integer', format: 'int32', maximum: INT32_MAX, required: false })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  page: number = 1;

  @ApiProperty({ type: 'integer', format: 'int32', maximum: MAX_PAGE_SIZE, required: false })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}

/** LIKE pattern that matches `text` literally anywhere: %, _ and the escape character lose their meaning. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}
/** The ESCAPE clause to pair with containsPattern; '!' works the same on MySQL and SQLite. */
export const LIKE_ESCAPE = "ESCAPE '!'";
