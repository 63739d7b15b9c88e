import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DatabaseModule } from '../database/database.module';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditLog } from './audit-log.service';

/**
 * The audit log: @Audited routes are recorded by the global AuditInterceptor; services that act on
 * their own (the lost-agent sweeper) inject AuditLog. Global so any module can record without importing it.
 */
@Global()
@Module({
  imports: [DatabaseModule],
  controllers: [AuditController],
  providers: [AuditLog, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  exports: [AuditLog],
})
export class AuditModule {}
