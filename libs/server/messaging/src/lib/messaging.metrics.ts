import {
  type CallHandler, Controller, type ExecutionContext, Get, Header, Injectable, type NestInterceptor,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Observable, tap } from 'rxjs';
import { Public } from '@parley/server/core';

/**
 * The gateway's Prometheus metrics (`GET /metrics`): connected sockets, client events in by type and outcome,
 * server events out by type, ack latency per event, and delivery fan-out. Its own registry, so that a second
 * module instance (tests, the one-process server) never collides with the global one.
 */
@Injectable()
export class MessagingMetrics {
  readonly registry = new Registry();
  private sockets: () => number = () => 0;
  readonly eventsIn = new Counter({
    name: 'parley_gateway_events_in_total', help: 'Client events handled, by event and outcome (ok or error)',
    labelNames: ['event', 'outcome'] as const, registers: [this.registry],
  });
  readonly eventsOut = new Counter({
    name: 'parley_gateway_events_out_total', help: 'Server events emitted, by event (one per emit, any fan-out)',
    labelNames: ['event'] as const, registers: [this.registry],
  });
  readonly ackSeconds = new Histogram({
    name: 'parley_gateway_ack_seconds', help: 'Time from a client event to its ack, by event',
    labelNames: ['event'] as const, registers: [this.registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  readonly fanout = new Histogram({
    name: 'parley_gateway_fanout_local_sockets',
    help: 'Sockets on the emitting instance that a room emit reaches (other instances deliver their own share)',
    registers: [this.registry], buckets: [0, 1, 2, 5, 10, 20, 50, 100, 250, 1000, 5000],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_gateway_' });
    const count = () => this.sockets();
    new Gauge({
      name: 'parley_gateway_connected_sockets', help: 'Sockets connected to this instance', registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }

  /** Where the connected-sockets gauge reads its value (the gateway, once the server exists). */
  countSocketsWith(count: () => number): void {
    this.sockets = count;
  }
}

/** Counts every client event and times it until its ack (socket handlers only). */
@Injectable()
export class SocketMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MessagingMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'ws') return next.handle();
    const event = context.switchToWs().getPattern();
    const stop = this.metrics.ackSeconds.startTimer({ event });
    return next.handle().pipe(tap({
      next: (ack) => {
        stop();
        const ok = typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === true;
        this.metrics.eventsIn.inc({ event, outcome: ok ? 'ok' : 'error' });
      },
      error: () => {
        stop();
        this.metrics.eventsIn.inc({ event, outcome: 'error' });
      },
    }));
  }
}

@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MessagingMetrics) {}

  /** Prometheus scrapes this on the internal network (the ALB and CloudFront route only /api and /socket.io). */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
