import type {
  AgentDomainLoad,
  AgentEnrolmentRequest,
  AgentHeartbeatRequest,
  AgentLoad,
} from '@xeno/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class AgentCapacityDto {
  @IsInt()
  @Min(1)
  @Max(1024)
  pcpus!: number;

  @IsInt()
  @Min(1)
  @Max(16 * 1024 * 1024)
  memoryMiB!: number;
}

export class AgentEnrolmentDto implements AgentEnrolmentRequest {
  /** Also the suffix of a BullMQ queue name and a Redis key: no separators or glob characters. */
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'agentId must be 1-100 letters, digits, dots, dashes or underscores',
  })
  agentId!: string;

  @IsString()
  @Length(1, 255)
  hostname!: string;

  @IsString()
  @MaxLength(1000)
  enrolmentSecret!: string;

  @ValidateNested()
  @Type(() => AgentCapacityDto)
  capacity!: AgentCapacityDto;
}

export class AgentDomainLoadDto implements AgentDomainLoad {
  @IsString()
  @MaxLength(100)
  domainId!: string;

  @IsNumber()
  @Min(0)
  @Max(1024)
  cpuShare!: number;

  @IsInt()
  @Min(0)
  @Max(16 * 1024 * 1024)
  memoryMiB!: number;

  @IsInt()
  @Min(0)
  instructionsPerSecond!: number;
}

export class AgentLoadDto implements AgentLoad {
  @IsInt()
  @Min(0)
  memoryUsedMiB!: number;

  @IsNumber()
  @Min(0)
  @Max(1)
  cpuBusy!: number;

  @IsInt()
  @Min(0)
  domainCount!: number;

  @IsInt()
  @Min(0)
  instructionsPerSecond!: number;

  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  domainIds!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => AgentDomainLoadDto)
  domains?: AgentDomainLoadDto[];
}

export class AgentHeartbeatDto implements AgentHeartbeatRequest {
  @ValidateNested()
  @Type(() => AgentCapacityDto)
  capacity!: AgentCapacityDto;

  @ValidateNested()
  @Type(() => AgentLoadDto)
  load!: AgentLoadDto;
}
