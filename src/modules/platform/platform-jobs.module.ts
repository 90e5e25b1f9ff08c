import { Module } from '@nestjs/common';
import { PlatformJobsController } from './platform-jobs.controller';
import { PlatformJobsService } from './platform-jobs.service';

/** The failed-jobs routes; apart from PlatformModule, which the operator commands load without a queue. */
@Module({ controllers: [PlatformJobsController], providers: [PlatformJobsService] })
export class PlatformJobsModule {}
