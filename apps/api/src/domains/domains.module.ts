import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { DomainCreation } from './domain-creation.service';

@Module({
  imports: [DatabaseModule],
  providers: [DomainCreation],
  exports: [DomainCreation],
})
export class DomainsModule {}
