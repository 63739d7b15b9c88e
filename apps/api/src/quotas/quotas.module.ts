import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { Quotas } from './quota-view.service';
import { AdminQuotaController, QuotaController } from './quotas.controller';

/** GET /api/quota and the platform admin's GET/PUT /api/admin/tenants/:id/quota. */
@Module({
  imports: [DatabaseModule],
  controllers: [QuotaController, AdminQuotaController],
  providers: [Quotas],
})
export class QuotasModule {}
