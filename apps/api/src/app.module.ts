import { Module, type DynamicModule } from '@nestjs/common';
import type { ApiConfig } from './config/api-config';
import { AdminModule } from './admin/admin.module';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ApiConsoleAccess } from './console/api-console-access';
import { ConsoleModule } from './console/console.module';
import { DatabaseModule } from './database/database.module';
import { ApiConfigModule } from './config/api-config.module';
import { DomainsModule } from './domains/domains.module';
import { DomainEventsModule } from './queues/domain-events.module';
import { QueuesModule } from './queues/queues.module';
import { QuotasModule } from './quotas/quotas.module';
import { ImagesModule } from './images/images.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { UsageModule } from './usage/usage.module';
import { UsersModule } from './users/users.module';
import { webAppModules } from './web/web-app.module';

@Module({})
export class AppModule {
  /** The whole API for one configuration; main.ts and the integration tests both build it here. */
  static register(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ApiConfigModule.forRoot(config),
        HealthModule,
        AuditModule,
        MetricsModule,
        UsersModule,
        AuthModule,
        ImagesModule,
        DomainsModule,
        QueuesModule,
        DomainEventsModule,
        ConsoleModule.register({ useClass: ApiConsoleAccess }, [AuthModule, DatabaseModule]),
        AgentsModule,
        UsageModule,
        AdminModule,
        QuotasModule,
        ...webAppModules(config.webDistDir),
      ],
    };
  }
}
