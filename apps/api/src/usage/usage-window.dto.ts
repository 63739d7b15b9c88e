import { BadRequestException } from '@nestjs/common';
import { IsISO8601, IsOptional } from 'class-validator';
import type { UsageWindow } from './usage-report.service';

export class UsageWindowDto {
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

/** The window asked for: since defaults to the start of the current UTC month, until to (and at most) now. */
export function usageWindow(query: UsageWindowDto, now = new Date()): UsageWindow {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const since = query.since === undefined ? monthStart : new Date(query.since);
  const asked = query.until === undefined ? now : new Date(query.until);
  const until = asked.getTime() > now.getTime() ? now : asked;
  if (since.getTime() >= until.getTime())
    throw new BadRequestException(
      `since (${since.toISOString()}) must be before until (${until.toISOString()}, at most now)`,
    );
  return { since, until };
}
