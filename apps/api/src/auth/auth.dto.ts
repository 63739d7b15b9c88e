import type { CreateApiTokenRequest, LogInRequest, SignUpRequest } from '@xeno/contracts';
import { IsEmail, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export class SignUpDto implements SignUpRequest {
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @IsString()
  @Length(10, 200)
  password!: string;

  @IsString()
  @Length(1, 200)
  tenantName!: string;
}

export class LogInDto implements LogInRequest {
  @IsString()
  @MaxLength(320)
  email!: string;

  @IsString()
  @MaxLength(200)
  password!: string;
}

export class CreateApiTokenDto implements CreateApiTokenRequest {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  expiresInDays?: number;
}
