import { Transform } from 'class-transformer';
import { toBool } from '@parley/server/core';
import { IsBoolean, IsIn, IsOptional, IsString, IsUrl, Matches, MinLength, ValidateIf } from 'class-validator';

/** Variables of the files service (besides CoreConfig). */
export class FilesConfig {
  /** Where blobs live: `disk` (npm start, npm run stack) or `s3` (AWS, and MinIO/s3rver locally). */
  @IsIn(['disk', 's3']) BLOB_STORE: 'disk' | 's3' = 'disk';
  /** The blob folder of the disk store. */
  @IsString() @MinLength(1) BLOB_DIR: string = '.data/blobs';
  /** The bucket of the S3 store; required when BLOB_STORE=s3. */
  @ValidateIf((c: FilesConfig) => c.BLOB_STORE === 's3')
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a valid bucket name (BLOB_STORE=s3 needs one)' })
  S3_BUCKET?: string = undefined;
  /** Set for an S3-compatible store (MinIO, s3rver); unset in AWS. */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) S3_ENDPOINT?: string = undefined;
  /** MinIO and s3rver address buckets by path, not by host name. */
  @Transform(toBool) @IsBoolean() S3_FORCE_PATH_STYLE: boolean = false;
  /** Local S3-compatible stores only; in AWS the task role's credentials are used. */
  @IsOptional() @IsString() S3_ACCESS_KEY_ID?: string = undefined;
  @IsOptional() @IsString() S3_SECRET_ACCESS_KEY?: string = undefined;
  /** Local modes create the bucket; in AWS, CDK owns it. */
  @Transform(toBool) @IsBoolean() S3_CREATE_BUCKET: boolean = false;
}

export const FILES_CONFIG = Symbol('FILES_CONFIG');
