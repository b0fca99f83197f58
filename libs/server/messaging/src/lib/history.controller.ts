import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '@parley/server/core';
import { EncryptedEventDto, HistoryQueryDto, type MessageDeleted, type PostedMessage } from '@parley/shared/contracts';
import { MessagingService } from './messaging.service';
import { RealtimeRepository } from './realtime.repository';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/rooms/:roomId/messages')
export class HistoryController {
  constructor(
    private readonly messaging: MessagingService,
    private readonly realtime: RealtimeRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'A page of history, oldest first: before=<seq> reads back, after=<seq> forward (limit ≤ 100)' })
  history(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Query() query: HistoryQueryDto) {
    return this.messaging.history(user, roomId, query);
  }

  /** For bots and scripts: the same rules as `message:send`; a retried messageId gets its first seq back. */
  @Post()
  @ApiOperation({ summary: 'Send an EncryptedEvent (as message:send); a retried messageId gets its first seq back' })
  async post(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() event: EncryptedEventDto):
    Promise<PostedMessage> {
    const { message, duplicate } = await this.messaging.post(user, roomId, { ...event },
      (m) => this.realtime.toRooms(roomId, undefined, 'message:received', m));
    return { messageId: message.messageId, seq: message.seq, receivedAt: message.receivedAt, duplicate };
  }
}

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/messages')
export class MessagesController {
  constructor(
    private readonly messaging: MessagingService,
    private readonly realtime: RealtimeRepository,
  ) {}

  /** The sender removes the stored ciphertext; a tombstone remains and the room gets `message:deleted`. */
  @Delete(':messageId')
  @ApiOperation({ summary: 'The sender deletes a message: the ciphertext goes, a tombstone stays' })
  async delete(@CurrentUser() user: AuthUser, @Param('messageId') messageId: string): Promise<MessageDeleted> {
    const deleted = await this.messaging.deleteById(user, messageId);
    this.realtime.toRooms(deleted.roomId, undefined, 'message:deleted', deleted);
    return deleted;
  }
}
