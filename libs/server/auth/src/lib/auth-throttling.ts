import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import { type CoreConfig, type RedisConnections, throttlerKey, throttlerStorage, usernameTracker } from '@parley/server/core';
import type { AuthConfig } from './auth.config';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Limits on the routes that take a password or a new name (DESIGN §4: tight, shared across instances). Each is
 * counted per IP and per username; exceeding a limit blocks for its window. Login has a second, hourly tier:
 * 5 a minute then 30 an hour (defaults) is the backoff a guesser meets; a password change counts like a login.
 * Other routes are not throttled here.
 */
export function authThrottling(auth: AuthConfig, core: CoreConfig, redis: RedisConnections): ThrottlerModuleOptions {
  const perUser = auth.THROTTLE_PER_USERNAME_PER_MINUTE;
  const limits: Record<string, { ip: number; user: number; userHour?: number }> = {
    prelogin: { ip: auth.THROTTLE_PER_IP_PER_MINUTE * 2, user: perUser * 4 },
    login: { ip: auth.THROTTLE_PER_IP_PER_MINUTE, user: perUser, userHour: auth.THROTTLE_PER_USERNAME_PER_HOUR },
    register: { ip: auth.THROTTLE_PER_IP_PER_MINUTE, user: perUser * 6 },
    recoveryStart: { ip: auth.THROTTLE_PER_IP_PER_MINUTE, user: perUser },
    recoveryFinish: { ip: auth.THROTTLE_PER_IP_PER_MINUTE, user: perUser, userHour: auth.THROTTLE_PER_USERNAME_PER_HOUR },
    search: { ip: auth.THROTTLE_PER_IP_PER_MINUTE * 2, user: auth.THROTTLE_SEARCHES_PER_MINUTE },
    changePassword: { ip: auth.THROTTLE_PER_IP_PER_MINUTE, user: perUser, userHour: auth.THROTTLE_PER_USERNAME_PER_HOUR },
  };
  /** Per account: the username in the body, or the signed-in user (the guard of the token ran first). */
  const account = (req: Record<string, unknown>) =>
    usernameTracker(req) || ((req['user'] as { userId?: string } | undefined)?.userId ?? '');
  const of = (context: ExecutionContext) => limits[context.getHandler().name];
  return {
    storage: throttlerStorage(redis),
    generateKey: throttlerKey(core),
    setHeaders: false,
    throttlers: [
      { name: 'ip', ttl: MINUTE, limit: (c) => of(c)?.ip ?? 1, skipIf: (c) => !of(c) },
      { name: 'user', ttl: MINUTE, limit: (c) => of(c)?.user ?? 1, getTracker: account,
        skipIf: (c) => !of(c) || !account(c.switchToHttp().getRequest()) },
      { name: 'user-hour', ttl: HOUR, limit: (c) => of(c)?.userHour ?? 1, getTracker: account,
        skipIf: (c) => !of(c)?.userHour || !account(c.switchToHttp().getRequest()) },
    ],
  };
}
