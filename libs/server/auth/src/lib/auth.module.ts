import { type DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { CORE_CONFIG, type CoreConfig, RedisConnections } from '@parley/server/core';
import { authThrottling } from './auth-throttling';
import { AUTH_CONFIG, type AuthConfig } from './auth.config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginBackoff } from './backoff/login-backoff';
import { LoginBackoffInterceptor } from './backoff/login-backoff.interceptor';
import { BackupKeyRepository } from './backups/backup-key.repository';
import { PasswordController } from './password.controller';
import { SessionRepository } from './sessions/session.repository';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { AuthSecrets } from './tokens/auth-secrets';
import { TokenIssuer } from './tokens/token-issuer';
import { UserRepository } from './users/user.repository';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** Accounts, sessions, devices and access tokens (DESIGN §3, §4 auth routes). */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [CORE_CONFIG, RedisConnections],
          useFactory: (core: CoreConfig, redis: RedisConnections) => authThrottling(config, core, redis),
        }),
      ],
      controllers: [AuthController, PasswordController, SessionsController, UsersController],
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        AuthSecrets,
        LoginBackoff,
        LoginBackoffInterceptor,
        TokenIssuer,
        UserRepository,
        SessionRepository,
        BackupKeyRepository,
        SessionsService,
        AuthService,
        UsersService,
      ],
    };
  }
}
