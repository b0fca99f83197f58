import { Body, Controller, Get, Param, Post, Put, Req, Res, StreamableFile } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type AuthUser, CurrentUser } from '@parley/server/core';
import { DeclareFileDto } from '@parley/shared/contracts';
import { FilesService } from './files.service';

@Controller('api/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Post()
  declare(@CurrentUser() user: AuthUser, @Body() body: DeclareFileDto) {
    return this.files.declare(user, body);
  }

  /** The body is the raw ciphertext stream (application/octet-stream), never parsed. */
  @Put(':fileId/content')
  upload(@CurrentUser() user: AuthUser, @Param('fileId') fileId: string, @Req() req: Request) {
    return this.files.upload(user, fileId, req);
  }

  @Get(':fileId/content')
  async download(
    @CurrentUser() user: AuthUser,
    @Param('fileId') fileId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const { stream, size } = await this.files.download(user, fileId);
    res.setHeader('content-length', String(size));
    return new StreamableFile(stream, { type: 'application/octet-stream' });
  }
}
