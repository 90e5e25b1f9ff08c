import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { pingReplica, replicaCount } from '../database/replica-reads';
import { RawResponse } from '../http/envelope';
import { JOB_QUEUE, type JobQueue } from '../jobs/job-queue';
import { KV_STORE, type KeyValueStore } from '../kv/kv-store';
import { Public } from '../security/public.decorator';
import { HealthResponseDto, LivenessResponseDto } from './health.dto';

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
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  @Get()
  @Public({ tenant: false })
  @RawResponse()
  @ApiOperation({
    summary: 'Dependency check, as /health/ready (outside the /api prefix, no authentication)',
  })
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'A dependency does not answer',
  })
  check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponseDto> {
    return this.readiness(reply);
  }

  @Get('live')
  @Public({ tenant: false })
  @RawResponse()
  @ApiOperation({
    operationId: 'checkLiveness',
    summary:
      'Liveness: the process serves requests. Checks no dependency, so an outage of the database or Redis never restarts the container',
  })
  @ApiOkResponse({ type: LivenessResponseDto })
  live(): LivenessResponseDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public({ tenant: false })
  @RawResponse()
  @ApiOperation({
    operationId: 'checkReadiness',
    summary:
      'Readiness: the database, the key-value store and the job queue answer, so traffic may be routed here',
  })
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'A dependency does not answer',
  })
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthResponseDto> {
    return this.readiness(reply);
  }

  private async readiness(reply: FastifyReply): Promise<HealthResponseDto> {
    const replicas = Array.from({ length: replicaCount(this.dataSource) }, (_, index) =>
      answers(() => pingReplica(this.dataSource, index)),
    );
    const [databaseUp, kvUp, queueUp, ...replicasUp] = await Promise.all([
      // DataSource.query runs on the primary.
      answers(() => this.dataSource.query('SELECT 1')),
      answers(() => this.kv.ping()),
      answers(() => this.jobs.ping()),
      ...replicas,
    ]);
    const embedded = this.kv.kind === 'memory';
    const queueEmbedded = this.jobs.kind === 'memory';
    const body: HealthResponseDto = {
      status: databaseUp && kvUp && queueUp ? 'ok' : 'error',
      database: databaseUp ? 'connected' : 'disconnected',
      redis: embedded ? 'embedded' : kvUp ? 'connected' : 'disconnected',
      jobQueue: queueEmbedded ? 'embedded' : queueUp ? 'connected' : 'disconnected',
      replicas: replicasUp.map((up) => (up ? 'connected' : 'disconnected')),
      backends: {
        database: this.dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite',
        keyValueStore: embedded ? 'in-process' : 'redis',
        jobQueue: queueEmbedded ? 'in-process' : 'bullmq',
      },
    };
    if (body.status !== 'ok') reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
