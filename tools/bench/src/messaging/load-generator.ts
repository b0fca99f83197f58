/**
 * The load generator: its own process (forked by the orchestrator, driven over IPC), hosting whole rooms, so that
 * every sender and every recipient of a message live here and one clock (performance.now) measures both ends.
 * It keeps a map messageId → send time; recipients' latency is receive time − send time, the sender's ack latency
 * ack time − send time. Sends are open-loop: issued on schedule whatever the server answers, spread over the rooms.
 */
import { io, type Socket } from 'socket.io-client';
import type { EncryptedEvent } from '@parley/shared/crypto';
import type { Envelope, Reply, Request } from './protocol';
import { percentiles, type WindowResult } from './stats';
import { type BenchRoom, type BenchUser, buildWorld, encryptNext, pool } from './world';

const ACK_TIMEOUT_MS = 10_000;
/** Sockets opened at once per generator: enough to be quick, few enough not to time out the services' own calls. */
const CONNECT_WIDTH = 20;

interface Seat {
  user: BenchUser;
  /** Place in its room: which gateway it uses, and its bit in a message's delivery mask. */
  place: number;
  peers: number;
  socket?: Socket;
  queue: EncryptedEvent[];
}

interface InFlight {
  sentAt: number;
  /** Second of the window it was sent in (for the timeline). */
  second: number;
  expected: number;
  /** Bit i set: the member at place i has it. */
  mask: number;
}

const log = (s: string) => console.error(`[gen ${process.pid}] ${s}`);
let rooms: BenchRoom[] = [];
/** Member 0 of every room, then member 1 of every room …: consecutive sends go to different rooms. */
let seats: Seat[] = [];
const idle: Socket[] = [];
let disconnects = 0;
let onDelivery: (messageId: string, place: number, at: number) => void = () => undefined;

/** Opens a socket and joins its room; setup is not measured, so a refusal under load is retried (5 attempts). */
async function openSocket(url: string, user: BenchUser, attempt = 1): Promise<Socket> {
  try {
    return await openOnce(url, user);
  } catch (err) {
    if (attempt >= 5) throw err;
    log(`${(err as Error).message}; retrying`);
    await new Promise((r) => setTimeout(r, 1_000 * attempt));
    return openSocket(url, user, attempt + 1);
  }
}

async function openOnce(url: string, user: BenchUser): Promise<Socket> {
  const socket = io(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true,
    ...(user.token && { auth: { token: user.token } }) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(new Error(`connect to ${url}: ${err.message}`));
    });
  });
  const joined = (await socket.timeout(10_000).emitWithAck('room:join', { roomId: user.roomId }).catch(() =>
    ({ ok: false, error: 'no answer within 10 s' }))) as { ok: boolean; error?: string };
  if (!joined.ok) {
    socket.disconnect();
    throw new Error(`room:join refused: ${joined.error}`);
  }
  return socket;
}

async function connect(gateways: string[]): Promise<void> {
  await pool(seats, CONNECT_WIDTH, async (seat) => {
    const socket = await openSocket(gateways[seat.place % gateways.length], seat.user);
    socket.on('message:received', (m: { messageId: string }) => onDelivery(m.messageId, seat.place, performance.now()));
    socket.on('disconnect', () => void disconnects++);
    seat.socket = socket;
  });
}

async function prepare(perUser: number): Promise<void> {
  await pool(seats, 8, async (seat) => {
    while (seat.queue.length < perUser) seat.queue.push(await encryptNext(seat.user));
  });
}

async function run(rate: number, seconds: number, drainMs: number): Promise<WindowResult> {
  const total = Math.round(rate * seconds);
  const inFlight = new Map<string, InFlight>();
  const recipientSamples: number[] = [];
  const ackSamples: number[] = [];
  /** Per second of sending: recipients' latencies of the messages sent in it. */
  const bySecond: number[][] = [];
  const ackErrors: Record<string, number> = {};
  let expected = 0;
  let delivered = 0;
  let duplicates = 0;
  let answered = 0;
  const disconnectsBefore = disconnects;
  onDelivery = (messageId, place, at) => {
    const flight = inFlight.get(messageId);
    if (!flight) return;
    const bit = 1 << place;
    if (flight.mask & bit) return void duplicates++;
    flight.mask |= bit;
    delivered++;
    const latency = Math.round((at - flight.sentAt) * 100) / 100;
    recipientSamples.push(latency);
    (bySecond[flight.second] ??= []).push(latency);
  };
  const sendOne = (seat: Seat) => {
    const event = seat.queue.shift();
    if (!event || !seat.socket) throw new Error('no prepared message left: prepare more before the run');
    const sentAt = performance.now();
    inFlight.set(event.messageId, { sentAt, second: Math.floor((sentAt - started) / 1000), expected: seat.peers, mask: 0 });
    expected += seat.peers;
    seat.socket.timeout(ACK_TIMEOUT_MS).emit('message:send', event, (err: Error | null, ack?: { ok: boolean; error?: string }) => {
      const at = performance.now();
      answered++;
      if (err) ackErrors['no ack within 10 s'] = (ackErrors['no ack within 10 s'] ?? 0) + 1;
      else if (!ack?.ok) ackErrors[ack?.error ?? '?'] = (ackErrors[ack?.error ?? '?'] ?? 0) + 1;
      else ackSamples.push(Math.round((at - sentAt) * 100) / 100);
    });
  };

  const cpuBefore = process.cpuUsage();
  const started = performance.now(); // read by sendOne, which first runs after this line
  let next = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (next < due) sendOne(seats[next++ % seats.length]);
      if (next >= total) {
        clearInterval(timer);
        done();
      }
    };
    const timer = setInterval(tick, 1);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + drainMs;
  while (performance.now() < deadline && (answered < total || delivered < expected)) await new Promise((r) => setTimeout(r, 10));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  onDelivery = () => undefined;
  if (disconnects > disconnectsBefore) ackErrors['sockets disconnected'] = disconnects - disconnectsBefore;
  if (answered < total) ackErrors['no ack by the end of the drain'] = total - answered;
  return {
    sent: total, sendSeconds, expected, delivered, duplicates, ackErrors,
    recipients: percentiles(recipientSamples), ack: percentiles(ackSamples),
    cpuMs: (cpu.user + cpu.system) / 1000, wallMs, recipientSamples, ackSamples, recipientsBySecond: bySecond,
  };
}

async function handle(request: Request): Promise<Reply> {
  const started = Date.now();
  const ok = (detail?: string): Reply => ({ type: 'ok', ms: Date.now() - started, detail });
  switch (request.type) {
    case 'setup': {
      if (request.roomSize > 30) throw new Error('rooms of at most 30: a delivery mask is a 32-bit number');
      rooms = await buildWorld({ users: request.users, roomSize: request.roomSize, prefix: request.prefix,
        endpoints: request.endpoints, log });
      seats = [];
      for (let place = 0; place < request.roomSize; place++) {
        for (const room of rooms) {
          const user = room.members[place];
          if (user) seats.push({ user, place, peers: room.members.length - 1, queue: [] });
        }
      }
      return ok(`${seats.length} users in ${rooms.length} rooms`);
    }
    case 'connect':
      await connect(request.gateways);
      return ok(`${seats.length} sockets`);
    case 'prepare':
      await prepare(request.perUser);
      return ok(`${request.perUser * seats.length} messages encrypted`);
    case 'run':
      return { type: 'window', result: await run(request.rate, request.seconds, request.drainMs) };
    case 'disconnect':
      for (const seat of seats) seat.socket?.disconnect();
      for (const socket of idle.splice(0)) socket.disconnect();
      return ok();
    case 'idle': {
      const users = seats.map((s) => s.user);
      const opened = await pool(Array.from({ length: request.sockets }, (_, i) => users[i % users.length]), CONNECT_WIDTH,
        (user) => openSocket(request.gateway, user));
      idle.push(...opened);
      return ok(`${idle.length} idle sockets`);
    }
  }
}

process.on('message', (message: Envelope<Request>) => {
  handle(message.body).then(
    (body) => process.send?.({ id: message.id, body }),
    (err: Error) => process.send?.({ id: message.id, body: { type: 'error', message: err.stack ?? err.message } }),
  );
});
process.on('disconnect', () => process.exit(0));
