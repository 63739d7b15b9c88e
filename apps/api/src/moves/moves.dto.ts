import type { MoveDomainRequest } from '@xeno/contracts';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class MoveDomainDto implements MoveDomainRequest {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  targetAgentId?: string;
}
