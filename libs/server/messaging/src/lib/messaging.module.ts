import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/server/core';
import { DeviceDirectory } from './device-directory';
import { HistoryController, MessagesController } from './history.controller';
import { MESSAGING_CONFIG, MessagingConfig } from './messaging.config';
import { MessageRepository } from './message.repository';
import { MessagingMetrics, MetricsController, SocketMetricsInterceptor } from './messaging.metrics';
import { MessagingGateway } from './messaging.gateway';
import { MessagingService } from './messaging.service';
import { PresenceService } from './presence.service';
import { PresenceStore } from './presence.store';
import { RateLimits } from './rate-limits';
import { RealtimeRepository } from './realtime.repository';
import { ReceiptRepository } from './receipt.repository';
import { SeqAllocator } from './seq-allocator';
import { SocketDevices } from './socket-devices';

/** Real-time messaging and history (DESIGN §2 messages and receipts, §4 socket events). */
@Module({
  controllers: [HistoryController, MessagesController, MetricsController],
  providers: [
    { provide: MESSAGING_CONFIG, useFactory: () => loadConfig(MessagingConfig) },
    MessageRepository, ReceiptRepository, SeqAllocator, MessagingService, RealtimeRepository, PresenceStore,
    PresenceService, RateLimits, DeviceDirectory, SocketDevices, MessagingMetrics, SocketMetricsInterceptor, MessagingGateway,
  ],
})
export class MessagingModule {}
