import { Controller, Get, Param, Query } from '@nestjs/common';
import { type AuthUser, CurrentUser } from '@parley/server/core';
import { HistoryQueryDto } from '@parley/shared/contracts';
import { MessagingService } from './messaging.service';

@Controller('api/rooms/:roomId/messages')
export class HistoryController {
  constructor(private readonly messaging: MessagingService) {}

  @Get()
  history(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Query() query: HistoryQueryDto) {
    return this.messaging.history(user, roomId, query);
  }
}
