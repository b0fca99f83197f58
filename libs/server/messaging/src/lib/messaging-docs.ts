import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { MessagingModule } from './messaging.module';

export const MESSAGING_DOCS_PATH = 'api/messages/docs';

/** OpenAPI of the messaging gateway's REST routes at `/api/messages/docs` (UI) and `…/docs-json` (DESIGN §4). */
export function setupMessagingDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Parley messaging')
    .setDescription('History, sending and deleting over REST. Bodies are EncryptedEvents (DESIGN §3): ciphertext and '
      + 'an Ed25519 signature the server cannot open; it stores and relays them unchanged. The real-time API is '
      + 'socket.io at /socket.io (events: see the contracts library and the gateway README).')
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [MessagingModule] });
  SwaggerModule.setup(MESSAGING_DOCS_PATH, app, document, { jsonDocumentUrl: `${MESSAGING_DOCS_PATH}-json` });
}
