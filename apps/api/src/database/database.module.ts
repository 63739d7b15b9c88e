import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DatabaseLifecycle } from './database-lifecycle.service';
import { dataSourceOptions } from './data-source-options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [API_CONFIG],
      // Connected by DatabaseLifecycle, which tolerates Postgres being down at boot.
      useFactory: (config: ApiConfig) => ({
        ...dataSourceOptions(config.databaseUrl),
        manualInitialization: true,
      }),
    }),
  ],
  providers: [DatabaseLifecycle],
  exports: [DatabaseLifecycle],
})
export class DatabaseModule {}
