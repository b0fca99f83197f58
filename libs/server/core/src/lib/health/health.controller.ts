import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { CoreConfig } from '../config/core.config';
import { CORE_CONFIG } from '../config/tokens';
import { DynamoTables } from '../dynamo/dynamo-tables';
import { RedisConnections } from '../redis/redis-connections';

@Public()
@Controller('health')
export class HealthController {
  private readonly redis;

  constructor(
    @Inject(CORE_CONFIG) private readonly config: CoreConfig,
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly dynamo: DynamoTables,
    redis: RedisConnections,
  ) {
    this.redis = redis.enabled ? redis.connect('health') : undefined;
  }

  /** Liveness: the process answers. */
  @Get()
  live() {
    return { status: 'ok', instance: this.config.INSTANCE_ID };
  }

  /** Readiness: the dependencies answer. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.probe('dynamodb', () => this.dynamo.ping()),
      ...(this.redis ? [() => this.probe('redis', async () => void (await this.redis?.ping()))] : []),
    ]);
  }

  private async probe(key: string, check: () => Promise<void>) {
    const session = this.indicator.check(key);
    try {
      await check();
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
