import { IsString, MinLength } from 'class-validator';

/** Variables of the files service (besides CoreConfig). */
export class FilesConfig {
  /** Where encrypted blobs are kept on disk (local modes; S3 comes with the AWS issue). */
  @IsString() @MinLength(1) BLOB_DIR: string = '.data/blobs';
}

export const FILES_CONFIG = Symbol('FILES_CONFIG');
