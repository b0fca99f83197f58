import { Module } from '@nestjs/common';
import { HistoryController } from './history.controller';
import { MessageRepository } from './message.repository';
import { MessagingGateway } from './messaging.gateway';
import { MessagingService } from './messaging.service';
import { SeqAllocator } from './seq-allocator';

/** Real-time messaging and history (DESIGN §2 messages, §4 socket events). */
@Module({
  controllers: [HistoryController],
  providers: [MessageRepository, SeqAllocator, MessagingService, MessagingGateway],
})
export class MessagingModule {}
