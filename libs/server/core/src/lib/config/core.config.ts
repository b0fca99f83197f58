import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

/**
 * For boolean variables, with @Transform: reads the raw variable, since implicit conversion would already have
 * turned the string "false" into `true`.
 */
export const toBool = ({ obj, key }: { obj: Record<string, unknown>; key: string }) =>
  obj[key] === true || obj[key] === 'true' || obj[key] === '1';
const url = { require_tld: false, protocols: ['http', 'https'] };

/** Variables every service reads. Defaults suit a developer machine; AWS sets them all. */
export class CoreConfig {
  @IsInt() @Min(0) @Max(65535) PORT: number = 3000;
  @IsString() HOST: string = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL: string = 'info';
  /** Set for DynamoDB Local or dynalite; unset in AWS. */
  @IsOptional() @IsUrl(url) DYNAMODB_ENDPOINT?: string = undefined;
  @IsString() AWS_REGION: string = 'us-east-1';
  @Matches(/^[A-Za-z0-9_.-]{0,32}$/, { message: 'TABLE_PREFIX may hold letters, digits, "_", "." and "-" only' })
  TABLE_PREFIX: string = 'parley-';
  /** Local modes create their tables; in AWS, CDK owns them. */
  @Transform(toBool) @IsBoolean() DYNAMODB_CREATE_TABLES: boolean = false;
  /** Redis for the bus, the socket.io adapter and shared counters. Unset: in-memory (one process only). */
  @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must look like redis://host:6379' })
  REDIS_URL?: string = undefined;
  /** Where every service fetches auth's public keys to verify access tokens. */
  @IsUrl(url) AUTH_JWKS_URL: string = 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json';
  /** Where services ask the rooms service about membership. */
  @IsUrl(url) ROOMS_URL: string = 'http://127.0.0.1:3002';
  /** Browser origins (comma-separated) allowed to open sockets, besides the same origin. */
  @IsString() PUBLIC_ORIGIN: string = 'http://localhost:8080';
  @IsString() INSTANCE_ID: string = 'local';
}

export const JWT_ISSUER = 'parley-auth';
export const JWT_AUDIENCE = 'parley';
