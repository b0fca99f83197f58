import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { SessionDenylist } from './auth/session-denylist';
import { TokenVerifier } from './auth/token-verifier';
import { Bus } from './bus/bus';
import { MemoryBus } from './bus/memory-bus';
import { RedisBus } from './bus/redis-bus';
import { CoreConfig } from './config/core.config';
import { CORE_CONFIG } from './config/tokens';
import { DynamoTables } from './dynamo/dynamo-tables';
import { HealthController } from './health/health.controller';
import { MembershipClient } from './http/membership.client';
import { RedisConnections } from './redis/redis-connections';

export interface CoreModuleOptions {
  config: CoreConfig;
  /** Service name in every log line. */
  service: string;
}

/**
 * What every service has: validated config, JSON logs, health, the access-token guard on every route, the bus,
 * Redis, DynamoDB. Imported once by each app (and once by the one-process server).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, service }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            base: { service, instance: config.INSTANCE_ID },
            redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
            autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
          },
        }),
        TerminusModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: CORE_CONFIG, useValue: config },
        RedisConnections,
        {
          provide: Bus,
          inject: [RedisConnections],
          useFactory: (redis: RedisConnections) =>
            redis.enabled ? new RedisBus(redis.connect('bus-pub'), redis.connect('bus-sub')) : new MemoryBus(),
        },
        DynamoTables,
        SessionDenylist,
        TokenVerifier,
        MembershipClient,
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
      exports: [CORE_CONFIG, RedisConnections, Bus, DynamoTables, SessionDenylist, TokenVerifier, MembershipClient],
    };
  }
}
