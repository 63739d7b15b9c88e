import { Controller, Get, Header, Res } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { Metrics } from './metrics';

/** Prometheus text exposition at GET /metrics (outside /api, where scrapers look by default). */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: { type(contentType: string): unknown }): Promise<string> {
    res.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
