import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { UsageRecorder } from './usage-recorder.service';
import { UsageReport } from './usage-report.service';
import { AdminUsageController, UsageController } from './usage.controller';

/** Usage accounting: recorded from heartbeats (UsageRecorder), summed per tenant (UsageReport). */
@Module({
  imports: [DatabaseModule],
  controllers: [UsageController, AdminUsageController],
  providers: [UsageRecorder, UsageReport],
  exports: [UsageRecorder],
})
export class UsageModule {}
