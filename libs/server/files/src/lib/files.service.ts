import { BadRequestException, ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type AuthUser, MembershipClient } from '@parley/server/core';
import type { DeclareFileDto, FileMeta } from '@parley/shared/contracts';
import { BlobSizeError, BlobStore } from './blob-store';
import { FileRepository } from './file.repository';

const PENDING_TTL_MS = 24 * 60 * 60 * 1000;

/** Encrypted files: declare, upload once, download by room members. The server never sees a key. */
@Injectable()
export class FilesService {
  constructor(
    private readonly files: FileRepository,
    private readonly blobs: BlobStore,
    private readonly membership: MembershipClient,
  ) {}

  async declare(user: AuthUser, dto: DeclareFileDto): Promise<FileMeta> {
    await this.membership.assertMember(user, dto.roomId);
    const meta: FileMeta = {
      fileId: randomBytes(16).toString('base64url'),
      roomId: dto.roomId,
      uploaderId: user.userId,
      size: dto.size,
      state: 'pending',
    };
    await this.files.create(meta, Math.floor((Date.now() + PENDING_TTL_MS) / 1000));
    return meta;
  }

  async upload(user: AuthUser, fileId: string, body: Readable): Promise<FileMeta> {
    const meta = await this.files.find(fileId);
    if (!meta || meta.uploaderId !== user.userId) throw new NotFoundException('no such file');
    if (meta.state !== 'pending') throw new ConflictException('this file was uploaded already');
    try {
      await this.blobs.write(fileId, body, meta.size);
    } catch (err) {
      if (err instanceof BlobSizeError) throw new BadRequestException(err.message);
      throw err;
    }
    await this.files.markComplete(fileId);
    return { ...meta, state: 'complete' };
  }

  async download(user: AuthUser, fileId: string): Promise<{ stream: Readable; size: number }> {
    const meta = await this.files.find(fileId);
    if (!meta) throw new NotFoundException('no such file');
    try {
      await this.membership.assertMember(user, meta.roomId);
    } catch (err) {
      if (err instanceof ForbiddenException) throw new NotFoundException('no such file');
      throw err;
    }
    if (meta.state !== 'complete') throw new ConflictException('this file is not uploaded yet');
    return this.blobs.read(fileId);
  }
}
