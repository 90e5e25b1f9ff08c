import { MAX_READ_REPLICAS } from '../config/app-config';
import { ApiProperty } from '@nestjs/swagger';

class HealthBackendsDto {
  @ApiProperty({ enum: ['mysql', 'sqlite'] })
  database!: 'mysql' | 'sqlite';

  @ApiProperty({ enum: ['redis', 'in-process'] })
  keyValueStore!: 'redis' | 'in-process';

  @ApiProperty({ enum: ['bullmq', 'in-process'] })
  jobQueue!: 'bullmq' | 'in-process';
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok' })
  status!: 'ok' | 'error';

  @ApiProperty({ enum: ['connected', 'disconnected'], example: 'connected' })
  database!: 'connected' | 'disconnected';

  @ApiProperty({
    enum: ['connected', 'disconnected', 'embedded'],
    example: 'connected',
    description:
      '`embedded` when neither REDIS_URL nor REDIS_CLUSTER_NODES is set and the in-process store is in use',
  })
  redis!: 'connected' | 'disconnected' | 'embedded';

  @ApiProperty({
    enum: ['connected', 'disconnected', 'embedded'],
    example: 'connected',
    description:
      'The job queue (BullMQ on Redis); `embedded` when neither REDIS_URL nor REDIS_CLUSTER_NODES is set and jobs run in-process',
  })
  jobQueue!: 'connected' | 'disconnected' | 'embedded';

  @ApiProperty({
    enum: ['connected', 'disconnected'],
    isArray: true,
    maxItems: MAX_READ_REPLICAS,
    example: [],
    description:
      'Each read replica of DATABASE_REPLICA_URLS, in order (empty without). A replica down does not make the instance unready: its reads go to the primary meanwhile',
  })
  replicas!: ('connected' | 'disconnected')[];

  @ApiProperty({ type: HealthBackendsDto })
  backends!: HealthBackendsDto;
}

export class LivenessResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}
