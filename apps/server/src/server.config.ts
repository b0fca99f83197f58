import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/** Variables of the one-process mode; everything else is derived from them. */
export class ServerConfig {
  @IsInt() @Min(0) @Max(65535) PORT: number = 8080;
  /** Database, blobs and local secrets live here; it survives restarts. */
  @IsString() @MinLength(1) DATA_DIR: string = '.data';
  /** The built web app (`nx build web`). */
  @IsString() @MinLength(1) WEB_DIST: string = 'dist/apps/web/browser';
}
