import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { RawResponse } from '../http/envelope';
import { KV_STORE, type KeyValueStore } from '../kv/kv-store';
import { Public } from '../security/public.decorator';
import { HealthResponseDto } from './health.dto';

const CHECK_TIMEOUT_MS = 1500;

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(KV_STORE) private readonly kv: KeyValueStore,
  ) {}

  @Get()
  @Public({ tenant: false })
  @RawResponse()
  @ApiOperation({
    summary: 'Liveness and dependency check (outside the /api prefix, no authentication)',
  })
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'A dependency does not answer',
  })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponseDto> {
    const [databaseUp, kvUp] = await Promise.all([
      answers(() => this.dataSource.query('SELECT 1')),
      answers(() => this.kv.ping()),
    ]);
    const embedded = this.kv.kind === 'memory';
    const body: HealthResponseDto = {
      status: databaseUp && kvUp ? 'ok' : 'error',
      database: databaseUp ? 'connected' : 'disconnected',
      redis: embedded ? 'embedded' : kvUp ? 'connected' : 'disconnected',
      backends: {
        database: this.dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite',
        keyValueStore: embedded ? 'in-process' : 'redis',
      },
    };
    if (body.status !== 'ok') reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
