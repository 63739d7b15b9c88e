import {
  DOMAIN_ACTIONS,
  type CreateDomainRequest,
  type DomainAction,
  type DomainActionRequest,
} from '@xeno/contracts';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Upper bounds a single domain may ask for, whatever the tenant's quota (the emulated hosts are small). */
export const DOMAIN_LIMITS = { maxMemoryMiB: 65_536, maxVcpus: 64, maxCmdline: 1024 } as const;

export class CreateDomainDto implements CreateDomainRequest {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, {
    message: 'name must be 1..63 characters of a-z, 0-9 and -, starting with a letter',
  })
  name!: string;

  @IsString()
  @MaxLength(100)
  imageId!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DOMAIN_LIMITS.maxMemoryMiB)
  memoryMiB?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DOMAIN_LIMITS.maxVcpus)
  vcpus?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65_535)
  weight?: number;

  @IsOptional()
  @IsString()
  @MaxLength(DOMAIN_LIMITS.maxCmdline)
  cmdline?: string;
}

export class DomainActionDto implements DomainActionRequest {
  @IsIn(DOMAIN_ACTIONS, { message: `action must be one of: ${DOMAIN_ACTIONS.join(', ')}` })
  action!: DomainAction;
}
