import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsInt,
  IsObject,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PaginatedResult, ResponseMessage } from '../../src/http/envelope';
import { Public } from '../../src/security/public.decorator';

/** Detail of the probe's unexpected error: it must reach the log and never the response. */
export const PROBE_SECRET_DETAIL = 'probe failure: connection string mysql://root:hunter2@db';

class ProbeAddressDto {
  @IsString()
  @Length(1, 50)
  city!: string;
}

export class ProbeCreateDto {
  @IsString()
  @Length(2, 20)
  name!: string;

  @IsEmail()
  email!: string;

  @IsInt()
  @Min(0)
  @Max(150)
  age!: number;

  // ValidateNested alone lets a missing object through; IsObject makes it required.
  @IsObject()
  @ValidateNested()
  @Type(() => ProbeAddressDto)
  address!: ProbeAddressDto;
}

/**
 * Routes that exist only in tests, mounted with `startTestApp({ extraImports: [ProbeModule] })`,
 * to exercise the HTTP conventions (envelope, validation, error filter) without depending on
 * any feature module. Public so that the global authentication guard lets them through.
 */
@Public()
@Controller('probe')
class ProbeController {
  @Post('items')
  @ResponseMessage('Item created')
  create(@Body() dto: ProbeCreateDto): ProbeCreateDto {
    return dto;
  }

  @Get('items')
  list(): PaginatedResult<{ id: number }> {
    return new PaginatedResult([{ id: 1 }, { id: 2 }], 2, 2, 5);
  }

  @Get('nothing')
  nothing(): void {}

  @Get('boom')
  boom(): never {
    throw new Error(PROBE_SECRET_DETAIL);
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
