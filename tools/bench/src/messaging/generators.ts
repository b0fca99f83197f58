import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { Envelope, Reply, Request } from './protocol';

/** A forked load-generator process and a typed request/reply over its IPC channel. */
export class Generator {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;

  constructor(buildDir: string, readonly users: number) {
    this.child = fork(join(buildDir, 'load-generator.cjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: Envelope<Reply>) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.body.type === 'error') waiter?.reject(new Error(`generator ${this.child.pid}: ${message.body.message}`));
      else waiter?.resolve(message.body);
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`generator ${this.child.pid} exited with ${code}`));
      this.waiting.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call(body: Request): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, body } satisfies Envelope<Request>);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
