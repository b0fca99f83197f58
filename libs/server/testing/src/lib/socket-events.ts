import type { ServerToClientEvents } from '@parley/shared/contracts';
import type { ClientSocket } from './test-client';

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** The next `event` on `socket` that passes `match`; rejects after `timeoutMs`, naming the event. */
export function nextEvent<E extends keyof ServerToClientEvents>(socket: ClientSocket | undefined, event: E,
  match: (payload: Payload<E>) => boolean = () => true, timeoutMs = 3_000): Promise<Payload<E>> {
  if (!socket) return Promise.reject(new Error('no socket'));
  return new Promise((resolve, reject) => {
    const listener = ((payload: Payload<E>) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    }) as never;
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${String(event)} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, listener);
  });
}

/** Every `event` on `socket` for `ms`, to assert that something did (or did not) arrive. */
export async function collectEvents<E extends keyof ServerToClientEvents>(socket: ClientSocket | undefined, event: E,
  ms: number): Promise<Payload<E>[]> {
  const got: Payload<E>[] = [];
  const listener = ((payload: Payload<E>) => void got.push(payload)) as never;
  socket?.on(event, listener);
  await new Promise((r) => setTimeout(r, ms));
  socket?.off(event, listener);
  return got;
}
