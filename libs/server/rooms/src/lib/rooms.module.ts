import { Module } from '@nestjs/common';
import { RoomRepository } from './room.repository';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

/** Rooms, membership ops and epoch envelopes (DESIGN §2, §4 rooms routes). */
@Module({
  controllers: [RoomsController],
  providers: [RoomRepository, RoomsService],
})
export class RoomsModule {}
