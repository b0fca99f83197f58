# syntax=docker/dockerfile:1
# Parley images, built from the repository root.
#   app (default): the four NestJS services in one image; the service is the argument:
#                  docker build -t parley-app . && docker run parley-app auth
#   web:           the Angular build behind Caddy, routing /api and /socket.io like CloudFront + the ALB (compose)
# One service image rather than four: they share every dependency and the build, so one image is one npm ci, one
# layer cache and one ECR push, and a deployment cannot mix versions of the services by accident.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true NG_CLI_ANALYTICS=false npm_config_update_notifier=false

# Build: the whole workspace with dev dependencies. Install scripts are skipped: webpack and the Angular build need
# none of them, and the `node` devDependency's script would download a second Node; nx runs on the image's Node 24.
FROM base AS build
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node node_modules/nx/bin/nx.js run-many -t build -p auth rooms messaging-gateway files web --outputStyle=static

# Production dependencies only. Install scripts run for the two native modules alone (they pick their prebuilt
# binaries), whatever the npm of the base image makes of package.json's allowScripts.
FROM base AS prod-deps
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild argon2 classic-level \
 && npm cache clean --force

FROM caddy:2-alpine AS web
COPY infra/docker/Caddyfile /etc/caddy/Caddyfile
COPY --from=build /app/dist/apps/web/browser /srv
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD wget -q --spider http://127.0.0.1:8080/ || exit 1

FROM ${NODE_IMAGE} AS app
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/apps/auth ./dist/apps/auth
COPY --from=build /app/dist/apps/rooms ./dist/apps/rooms
COPY --from=build /app/dist/apps/messaging-gateway ./dist/apps/messaging-gateway
COPY --from=build /app/dist/apps/files ./dist/apps/files
COPY package.json ./
COPY infra/docker/launch.cjs ./launch.cjs
# Code stays root-owned and read-only to the service; only .data (local secrets in compose) is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3001 3002 3003 3004
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/launch.cjs", "--health"]
ENTRYPOINT ["node", "/app/launch.cjs"]
