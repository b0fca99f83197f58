/**
 * The floor any socket.io product stands on: bare socket.io 4 with `@socket.io/redis-adapter` (ioredis, as the
 * gateway uses), and nothing else — no auth, no validation, no rate limits, no storage. A client joins a room,
 * sends to it, and is acked; everyone else in the room, on any instance, gets the event. It speaks the same event
 * names as Parley's gateway so that one load generator drives both.
 *
 * Run: PORT=… REDIS_URL=redis://127.0.0.1:6390 node baseline-server.cjs
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env['PORT'] ?? 0);
const redisUrl = process.env['REDIS_URL'];
if (!redisUrl) throw new Error('REDIS_URL is required (redis://host:port)');

type Ack = (answer: { ok: boolean; error?: string }) => void;

const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const io = new Server(http, { path: '/socket.io', transports: ['websocket'], serveClient: false });
io.adapter(createAdapter(new Redis(redisUrl), new Redis(redisUrl)));

io.on('connection', (socket) => {
  socket.on('room:join', async (body: { roomId: string }, ack: Ack) => {
    await socket.join(body.roomId);
    ack({ ok: true });
  });
  socket.on('message:send', (event: { roomId: string }, ack: Ack) => {
    socket.to(event.roomId).emit('message:received', event);
    ack({ ok: true });
  });
});

http.listen(port, '127.0.0.1', () => {
  const address = http.address();
  console.log(`baseline listening on ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
