import { type DynamicModule, Module } from '@nestjs/common';
import { BlobStore } from './blob-store';
import { DiskBlobStore } from './disk-blob-store';
import { FileRepository } from './file.repository';
import { FILES_CONFIG, type FilesConfig } from './files.config';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';
import { S3BlobStore } from './s3-blob-store';

/** Encrypted blobs and their metadata (DESIGN §4 files routes). */
@Module({})
export class FilesModule {
  static forRoot(config: FilesConfig): DynamicModule {
    return {
      module: FilesModule,
      controllers: [FilesController],
      providers: [
        { provide: FILES_CONFIG, useValue: config },
        { provide: BlobStore, useClass: config.BLOB_STORE === 's3' ? S3BlobStore : DiskBlobStore },
        FileRepository,
        FilesService,
      ],
    };
  }
}
