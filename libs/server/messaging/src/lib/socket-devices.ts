import { Injectable, Logger } from '@nestjs/common';
import { DeviceDirectory } from './device-directory';
import type { ParleySocket } from './realtime.repository';

/** Background loads after a failed one: about 1, 2, 4, 8, 16 and 30 s later (each ±50 %), then the first send asks. */
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;
const RETRIES = 6;

/**
 * The live devices of each socket's user (`socket.data.devices`), loaded when it connects so that `message:send`
 * makes no call. A load that fails — auth slow or down, as in the reconnect storm after an instance restart — is
 * tried again in the background with a growing, jittered delay (the storm's sockets then do not all come back at
 * once), so the socket's first send finds the list instead of waiting for auth itself (tools/bench saw such sends
 * wait seconds while auth was busy).
 */
@Injectable()
export class SocketDevices {
  private readonly logger = new Logger(SocketDevices.name);
  /** Loads in progress: a send that comes meanwhile waits for it instead of asking again. */
  private readonly loads = new WeakMap<ParleySocket, Promise<Map<string, boolean>>>();
  private readonly retries = new WeakMap<ParleySocket, NodeJS.Timeout>();

  constructor(private readonly directory: DeviceDirectory) {}

  /** Starts loading the socket's list; once loaded it lives in socket.data and nothing of the load is kept. */
  load(socket: ParleySocket, attempt = 0): void {
    const load = this.directory.devicesOf(socket.data.user);
    this.loads.set(socket, load);
    load.then((devices) => {
      this.loads.delete(socket);
      socket.data.devices = devices;
    }, (err: unknown) => {
      this.loads.delete(socket);
      this.retryLater(socket, attempt, err);
    });
  }

  /** The socket's list: the one it has, or the one being loaded; undefined when it has none (the caller asks). */
  async known(socket: ParleySocket): Promise<Map<string, boolean> | undefined> {
    return socket.data.devices ?? (await this.loads.get(socket)?.catch(() => undefined));
  }

  /** A closed socket loads nothing more. */
  forget(socket: ParleySocket): void {
    clearTimeout(this.retries.get(socket));
    this.retries.delete(socket);
  }

  private retryLater(socket: ParleySocket, attempt: number, err: unknown): void {
    if (!socket.connected || socket.data.devices || attempt >= RETRIES) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt) * (0.5 + Math.random());
    this.logger.debug({ err, userId: socket.data.user.userId, attempt, delay }, 'device list not loaded; trying again');
    const timer = setTimeout(() => {
      this.retries.delete(socket);
      if (socket.connected && !socket.data.devices) this.load(socket, attempt + 1);
    }, delay);
    timer.unref();
    this.retries.set(socket, timer);
  }
}
