import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { type AuthUser, CurrentUser } from '@parley/server/core';
import { CreateRoomDto, EpochKeyEnvelopeDto, EpochsQueryDto, RoomOpDto } from '@parley/shared/contracts';
import { RoomsService } from './rooms.service';

@Controller('api/rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateRoomDto) {
    return this.rooms.create(user, body);
  }

  @Get()
  list(@CurrentUser() user: AuthUser) {
    return this.rooms.list(user);
  }

  @Get(':roomId')
  detail(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string) {
    return this.rooms.detail(user, roomId);
  }

  @Get(':roomId/ops')
  ops(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string) {
    return this.rooms.ops(user, roomId);
  }

  @Post(':roomId/ops')
  appendOp(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() body: RoomOpDto) {
    return this.rooms.appendOp(user, roomId, body);
  }

  @Get(':roomId/epochs')
  epochs(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Query() query: EpochsQueryDto) {
    return this.rooms.epochs(user, roomId, query.since ?? 0);
  }

  @Post(':roomId/epochs')
  addEpoch(@CurrentUser() user: AuthUser, @Param('roomId') roomId: string, @Body() body: EpochKeyEnvelopeDto) {
    return this.rooms.addEpoch(user, roomId, body);
  }
}
