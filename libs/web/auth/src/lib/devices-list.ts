import { ChangeDetectionStrategy, Component, computed, inject, type OnInit, signal } from '@angular/core';
import { revokeDeviceCert, type DeviceCert } from '@parley/shared/crypto';
import { ApiClient, errorMessage, SessionStore } from '@parley/web/core';

/**
 * My devices: each identity-signed device certificate, newest state first. Revoking one signs a revocation with
 * the identity key in this browser (the server only stores it); rooms then rotate their keys away from it.
 */
@Component({
  selector: 'parley-devices-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 class="mb-3 mt-8 text-lg font-semibold text-slate-900">Your devices</h2>
    @if (error(); as text) {
      <p role="alert" class="mb-3 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">{{ text }}</p>
    }
    <ul class="divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white" aria-label="Devices">
      @for (d of devices(); track d.deviceId) {
        <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
          <div class="min-w-0">
            <p class="font-medium text-slate-900">
              Device {{ d.deviceId.slice(0, 6) }}
              @if (d.deviceId === thisDevice()) {
                <span class="ml-2 rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800">This device</span>
              }
              @if (d.revoked) {
                <span class="ml-2 rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700">Revoked</span>
              }
            </p>
            <p class="text-sm text-slate-500">{{ d.revoked ? 'revoked' : 'added' }} {{ date(d.createdAt) }}</p>
          </div>
          @if (!d.revoked && d.deviceId !== thisDevice()) {
            @if (confirming() === d.deviceId) {
              <span class="flex gap-2">
                <button type="button" (click)="revoke(d)" [disabled]="busy()"
                  class="rounded-lg bg-rose-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-rose-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600">
                  Revoke device {{ d.deviceId.slice(0, 6) }}
                </button>
                <button type="button" (click)="confirming.set(null)"
                  class="rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">Cancel</button>
              </span>
            } @else {
              <button type="button" (click)="confirming.set(d.deviceId)" [attr.aria-label]="'Revoke device ' + d.deviceId.slice(0, 6)"
                class="rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600">
                Revoke
              </button>
            }
          }
        </li>
      } @empty {
        <li class="px-4 py-3 text-sm text-slate-500">{{ busy() ? 'Loading…' : 'No devices.' }}</li>
      }
    </ul>
  `,
})
export class DevicesList implements OnInit {
  private readonly api = inject(ApiClient);
  private readonly session = inject(SessionStore);

  private readonly certs = signal<readonly DeviceCert[]>([]);
  private listVersion = 0;
  protected readonly busy = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly confirming = signal<string | null>(null);
  protected readonly thisDevice = computed(() => this.session.device()?.deviceId);
  /** One row per device: its newest certificate (a revocation supersedes the original). */
  protected readonly devices = computed(() => {
    const latest = new Map<string, DeviceCert>();
    for (const cert of this.certs()) {
      const seen = latest.get(cert.deviceId);
      if (!seen || cert.listVersion > seen.listVersion) latest.set(cert.deviceId, cert);
    }
    return [...latest.values()].sort((a, b) => Number(!!a.revoked) - Number(!!b.revoked) || b.createdAt - a.createdAt);
  });

  ngOnInit(): void {
    void this.run(() => this.load());
  }

  protected date(at: number): string {
    return new Date(at).toLocaleString();
  }

  protected async revoke(cert: DeviceCert): Promise<void> {
    await this.run(async () => {
      const identity = this.session.identity();
      if (!identity) throw new Error('This browser holds no identity key; log in again to revoke devices.');
      await this.api.revokeDevice(await revokeDeviceCert(identity, cert, this.listVersion + 1));
      this.confirming.set(null);
      await this.load();
    });
  }

  private async load(): Promise<void> {
    const list = await this.api.listDevices();
    this.listVersion = list.listVersion;
    this.certs.set(list.devices);
  }

  private async run(work: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await work();
    } catch (err) {
      this.error.set(errorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
