// A Redis liveness check without a client library: preflight must run before `npm ci` has
// necessarily finished and under the system Node 20, so it cannot rely on node_modules.
import net from 'node:net';
import tls from 'node:tls';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Resolves to null when Redis answered PING with +PONG, otherwise to a short reason. */
export function redisPing(redisUrl = DEFAULT_REDIS_URL, timeoutMs = 1500) {
  let url;
  try {
    url = new URL(redisUrl);
  } catch {
    return Promise.resolve('REDIS_URL is not a valid URL');
  }
  const secure = url.protocol === 'rediss:';
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 6379);
  const password = url.password ? decodeURIComponent(url.password) : '';
  const user = url.username ? decodeURIComponent(url.username) : '';

  return new Promise((resolve) => {
    let buffer = '';
    let done = false;
    const finish = (reason) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const socket = secure
      ? tls.connect({ host, port, servername: host })
      : net.connect({ host, port });
    const timer = setTimeout(() => finish(`no answer from ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      // Inline commands; AUTH first when the URL carries credentials, so a password-protected
      // Redis reports "reachable" rather than -NOAUTH.
      const auth = password ? `AUTH ${user ? `${user} ` : ''}${password}\r\n` : '';
      socket.write(`${auth}PING\r\n`);
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      if (buffer.includes('+PONG')) return finish(null);
      if (buffer.startsWith('-')) return finish(`Redis answered ${buffer.split('\r\n')[0]}`);
    });
    socket.on('error', (err) => finish(`cannot connect to ${host}:${port} (${err.code || err.message})`));
    socket.on('close', () => finish(`connection to ${host}:${port} closed without +PONG`));
  });
}
