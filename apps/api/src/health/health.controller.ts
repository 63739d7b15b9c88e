import { Controller, Get, Header, HttpException, HttpStatus } from '@nestjs/common';
import type { HealthReport } from '@xeno/contracts';
import { Public } from '../auth/public.decorator';
import { HealthService } from './health.service';

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when Postgres and Redis both answer, 503 with the same body otherwise (load balancers read the status). */
  @Get()
  @Header('Cache-Control', 'no-store')
  async get(): Promise<HealthReport> {
    const report = await this.health.check();
    if (report.status !== 'ok') throw new HttpException(report, HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
