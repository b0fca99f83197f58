import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { REFRESH_COOKIE } from '@parley/shared/contracts';
import { AuthModule } from './auth.module';

export const AUTH_DOCS_PATH = 'api/auth/docs';

/** OpenAPI of the auth service at `/api/auth/docs` (UI) and `/api/auth/docs-json` (DESIGN §4). */
export function setupAuthDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Parley auth')
    .setDescription('Accounts, sessions, devices and access tokens. The server never receives a password or a key: '
      + 'clients send authSecret = HKDF(Argon2id(password)). Access tokens: ES256 bearer JWTs (15 min); refresh '
      + `tokens: the HttpOnly cookie ${REFRESH_COOKIE}.`)
    .setVersion('1')
    .addBearerAuth()
    .addCookieAuth(REFRESH_COOKIE)
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [AuthModule] });
  SwaggerModule.setup(AUTH_DOCS_PATH, app, document, { jsonDocumentUrl: `${AUTH_DOCS_PATH}-json` });
}
