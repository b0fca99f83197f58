import { IsInt, Max, Min } from 'class-validator';

/** Injection token of the validated MessagingConfig. */
export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');

/** The gateway's own variables (read once at start through loadConfig; defaults suit production). */
export class MessagingConfig {
  /** A user goes offline this long after the last socket closed, so that a reload does not flap. */
  @IsInt() @Min(0) @Max(600_000) PRESENCE_GRACE_MS: number = 5_000;
  /**
   * A socket counts as connected this long without its instance's heartbeat (sent every third of it): how long the
   * users of a crashed instance still look online before a surviving instance announces them offline.
   */
  @IsInt() @Min(3_000) @Max(600_000) PRESENCE_TTL_MS: number = 60_000;
  /** Client events per socket: a burst per second and a sustained rate per minute (socket-local, in memory). */
  @IsInt() @Min(1) RATE_SOCKET_PER_SECOND: number = 20;
  @IsInt() @Min(1) RATE_SOCKET_PER_MINUTE: number = 300;
  /** Client events per user over all their sockets on every instance (Redis; in memory in one process). */
  @IsInt() @Min(1) RATE_USER_PER_SECOND: number = 40;
  @IsInt() @Min(1) RATE_USER_PER_MINUTE: number = 600;
  @IsInt() @Min(1) @Max(1000) MAX_SOCKETS_PER_USER: number = 10;
  @IsInt() @Min(1) @Max(10_000) MAX_ROOMS_PER_SOCKET: number = 500;
}
