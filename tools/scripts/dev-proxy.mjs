// The one origin of `npm run stack`: what CloudFront + the ALB do in AWS (DESIGN.md §1, "Routing").
// Routes by path to the services, keeps socket.io clients on one gateway instance, serves the
// Angular build for everything else. Exported so tests can put the same routing in front of services.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createProxyServer } from 'http-proxy-3';

export const GATEWAY_COOKIE = 'parley_gw';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/**
 * Which upstream a path belongs to: 'auth' | 'rooms' | 'gateway' | 'files' | 'health' | 'api-unknown' | 'web'.
 * Order matters: room *messages* belong to the gateway, the rest of /api/rooms to the rooms service.
 */
export function routeFor(pathname) {
  const under = (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`);
  if (pathname === '/health') return 'health';
  if (under('/api/auth') || under('/api/users')) return 'auth';
  if (/^\/api\/rooms\/[^/]+\/messages(?:\/|$)/.test(pathname) || under('/api/messages') || under('/socket.io')) {
    return 'gateway';
  }
  if (under('/api/rooms')) return 'rooms';
  if (under('/api/files')) return 'files';
  // An unknown API path is a client bug; answering it with index.html would hide that.
  if (under('/api')) return 'api-unknown';
  return 'web';
}

function readCookie(header, name) {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** Serves the Angular build; unknown page routes fall back to index.html so deep links work. */
async function serveStatic(req, res, root) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { message: 'Method Not Allowed' });
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    return sendJson(res, 400, { message: 'Bad Request' });
  }
  // Resolve against the root and refuse anything that lands outside it (../, encoded %2e%2e, NUL).
  const file = path.resolve(root, `.${path.posix.normalize(pathname)}`);
  if (pathname.includes('\0') || (file !== root && !file.startsWith(root + path.sep))) {
    return sendJson(res, 404, { message: 'Not Found' });
  }

  let target = file;
  let info = await stat(target).catch(() => null);
  if (info?.isDirectory()) {
    target = path.join(target, 'index.html');
    info = await stat(target).catch(() => null);
  }
  if (!info?.isFile()) {
    // A missing asset (has an extension, not a page navigation) is a real 404, not the app shell.
    const wantsPage = (req.headers.accept ?? '').includes('text/html') || !path.extname(pathname);
    if (!wantsPage) return sendJson(res, 404, { message: 'Not Found' });
    target = path.join(root, 'index.html');
    info = await stat(target).catch(() => null);
    if (!info?.isFile()) {
      return sendJson(res, 503, { message: `web app not built: ${target} is missing (npx nx build web)` });
    }
  }

  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    // Dev server: always revalidate so a rebuild is picked up on reload.
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(target)
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * Starts the proxy.
 * @param {object} opts
 * @param {number} opts.port            0 picks a free port (tests)
 * @param {{auth: string, rooms: string, files: string, gateways: string[]}} opts.routes  upstream base URLs
 * @param {string} opts.webRoot         directory with the Angular build (index.html)
 * @param {string} [opts.host]          default 127.0.0.1
 * @returns {Promise<{ url: string, port: number, server: http.Server, close: () => Promise<void> }>}
 */
export async function startDevProxy({ port, routes, webRoot, host = '127.0.0.1' }) {
  if (!routes?.gateways?.length) throw new Error('startDevProxy: routes.gateways needs at least one URL');
  const root = path.resolve(webRoot);
  // xfwd: services see the client address (rate limits) and the public host/proto.
  const proxy = createProxyServer({ xfwd: true, ws: true });
  let nextGateway = 0;

  // Sticky gateway: socket.io long-polling sends several HTTP requests per session, and each must
  // reach the instance that holds that session; the WebSocket upgrade carries the same cookie.
  const pickGateway = (req) => {
    const fromCookie = Number(readCookie(req.headers.cookie, GATEWAY_COOKIE));
    if (Number.isInteger(fromCookie) && fromCookie >= 0 && fromCookie < routes.gateways.length) {
      return { index: fromCookie, isNew: false };
    }
    const index = nextGateway;
    nextGateway = (nextGateway + 1) % routes.gateways.length;
    return { index, isNew: true };
  };
  const gatewayCookie = (index) => `${GATEWAY_COOKIE}=${index}; Path=/; HttpOnly; SameSite=Lax`;

  proxy.on('proxyRes', (proxyRes, req) => {
    if (req.parleyGatewayCookie === undefined) return;
    const existing = proxyRes.headers['set-cookie'] ?? [];
    proxyRes.headers['set-cookie'] = [...(Array.isArray(existing) ? existing : [existing]), req.parleyGatewayCookie];
  });
  // Errors are handled per request below; this keeps an unexpected one from crashing the stack.
  proxy.on('error', (err) => console.error(`[proxy] ${err.message}`));

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://x');
    const route = routeFor(pathname);
    if (route === 'health') return sendJson(res, 200, { status: 'ok' });
    if (route === 'api-unknown') return sendJson(res, 404, { message: `no service handles ${pathname}` });
    if (route === 'web') {
      serveStatic(req, res, root).catch((err) => {
        console.error(`[proxy] static ${pathname}: ${err.message}`);
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
        else res.destroy();
      });
      return;
    }

    let target = routes[route];
    let name = route;
    if (route !== 'gateway' && !target) return sendJson(res, 502, { message: `no upstream configured for ${route}` });
    if (route === 'gateway') {
      const gw = pickGateway(req);
      target = routes.gateways[gw.index];
      name = `gateway #${gw.index}`;
      if (gw.isNew) req.parleyGatewayCookie = gatewayCookie(gw.index);
    }
    proxy.web(req, res, { target }, (err) => {
      console.error(`[proxy] ${req.method} ${pathname} → ${name}: ${err.code ?? err.message}`);
      if (res.headersSent) return res.destroy();
      // Drop a sticky cookie that points at a dead gateway so the client's reconnect lands elsewhere.
      const headers = route === 'gateway' ? { 'set-cookie': `${GATEWAY_COOKIE}=; Path=/; Max-Age=0` } : {};
      sendJson(res, 502, { message: `${name} is not reachable` }, headers);
    });
  });

  // Upgraded sockets leave the HTTP server's bookkeeping, so close() must end them itself.
  const upgraded = new Set();
  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url ?? '/', 'http://x');
    if (routeFor(pathname) !== 'gateway') return socket.destroy();
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const gw = pickGateway(req);
    proxy.ws(req, socket, head, { target: routes.gateways[gw.index] }, (err) => {
      console.error(`[proxy] websocket ${pathname} → gateway #${gw.index}: ${err.code ?? err.message}`);
      socket.destroy();
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;

  return {
    server,
    port: actualPort,
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${actualPort}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Open keep-alive and WebSocket connections would otherwise hold close() forever.
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        proxy.close();
      }),
  };
}
