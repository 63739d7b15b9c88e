import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { FirstAdminBootstrap } from './first-admin.service';
import { PasswordHasher } from './password-hasher.service';

@Module({
  imports: [DatabaseModule],
  providers: [PasswordHasher, FirstAdminBootstrap],
  exports: [PasswordHasher],
})
export class UsersModule {}
