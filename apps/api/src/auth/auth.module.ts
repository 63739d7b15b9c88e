import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { DatabaseModule } from '../database/database.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { TokensController } from './tokens.controller';

@Module({
  // The throttler only guards the auth controller (it applies ThrottlerGuard itself); limits are set there.
  imports: [
    DatabaseModule,
    UsersModule,
    TenantsModule,
    ThrottlerModule.forRoot([{ name: 'default', limit: 20, ttl: 60_000 }]),
  ],
  controllers: [AuthController, TokensController],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
