import { IsInt, Max, Matches, Min } from 'class-validator';
import { ID_PATTERN, MAX_BLOB_BYTES } from './limits';

export class DeclareFileDto {
  @Matches(ID_PATTERN, { message: 'roomId must be 16 random bytes, base64url' }) roomId!: string;
  @IsInt() @Min(1) @Max(MAX_BLOB_BYTES, { message: `size must be at most ${MAX_BLOB_BYTES} bytes` }) size!: number;
}

export interface FileMeta {
  fileId: string;
  roomId: string;
  uploaderId: string;
  size: number;
  state: 'pending' | 'complete';
}
