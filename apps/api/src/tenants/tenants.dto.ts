import type { AcceptInviteRequest, CreateInviteRequest } from '@xeno/contracts';
import { IsEmail, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export const INVITE_DEFAULT_HOURS = 168;

export class CreateInviteDto implements CreateInviteRequest {
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  expiresInHours?: number;
}

export class AcceptInviteDto implements AcceptInviteRequest {
  @IsString()
  @Length(1, 200)
  token!: string;

  /** A new account's password (10..200 characters), or the existing account's. */
  @IsString()
  @Length(1, 200)
  password!: string;
}
