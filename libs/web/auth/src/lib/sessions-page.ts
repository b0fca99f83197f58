import { ChangeDetectionStrategy, Component, inject, type OnInit, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import type { SessionInfo } from '@parley/shared/contracts';
import { ApiClient, errorMessage, SessionStore } from '@parley/web/core';
import { DevicesList } from './devices-list';

/**
 * The browsers signed in to my account (one session each): when and where each was last used; end any of them,
 * or all at once; below, my devices (DevicesList). Route: `/sessions` (apps/web adds it with `authGuard`).
 */
@Component({
  selector: 'parley-sessions-page',
  imports: [DevicesList, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block min-h-dvh bg-slate-50' },
  template: `
    <main class="mx-auto w-full max-w-2xl px-4 py-8">
      <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
        <h1 class="text-xl font-semibold text-slate-900">Where you’re signed in</h1>
        <nav aria-label="Account" class="flex gap-4 text-sm font-medium">
          <a routerLink="/account" class="text-indigo-700 hover:underline">Change password</a>
          <a routerLink="/" class="text-indigo-700 hover:underline">Back to chats</a>
        </nav>
      </div>
      @if (error(); as text) {
        <p role="alert" class="mb-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">{{ text }}</p>
      }
      <ul class="divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white" aria-label="Sessions">
        @for (s of sessions(); track s.sessionId) {
          <li class="flex items-center justify-between gap-4 px-4 py-3">
            <div class="min-w-0">
              <p class="font-medium text-slate-900">
                {{ s.deviceLabel }}
                @if (s.current) {
                  <span class="ml-2 rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800">This browser</span>
                }
              </p>
              <p class="text-sm text-slate-500">{{ s.ip }} · last used {{ when(s.lastUsedAt) }}</p>
            </div>
            @if (!s.current) {
              <button type="button" (click)="revoke(s)" [disabled]="busy()" [attr.aria-label]="'Sign out ' + s.deviceLabel"
                class="rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600">
                Sign out
              </button>
            }
          </li>
        } @empty {
          <li class="px-4 py-3 text-sm text-slate-500">{{ busy() ? 'Loading…' : 'No sessions.' }}</li>
        }
      </ul>
      <button type="button" (click)="logoutEverywhere()" [disabled]="busy()"
        class="mt-6 rounded-lg bg-rose-600 px-4 py-2 text-sm font-medium text-white hover:bg-rose-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600">
        Log out everywhere
      </button>
      <parley-devices-list />
    </main>
  `,
})
export class SessionsPage implements OnInit {
  private readonly api = inject(ApiClient);
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);

  protected readonly sessions = signal<readonly SessionInfo[]>([]);
  protected readonly busy = signal(true);
  protected readonly error = signal<string | null>(null);

  ngOnInit(): void {
    void this.load();
  }

  protected async revoke(target: SessionInfo): Promise<void> {
    await this.run(async () => {
      await this.api.revokeSession(target.sessionId);
      this.sessions.update((list) => list.filter((s) => s.sessionId !== target.sessionId));
    });
  }

  protected async logoutEverywhere(): Promise<void> {
    await this.run(async () => {
      await this.session.signOut(true);
      await this.router.navigateByUrl('/login');
    });
  }

  protected when(at: number): string {
    const minutes = Math.round((Date.now() - at) / 60_000);
    if (minutes < 1) return 'just now';
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.round(minutes / 60);
    return hours < 48 ? `${hours} h ago` : new Date(at).toLocaleDateString();
  }

  private async load(): Promise<void> {
    await this.run(async () => this.sessions.set(await this.api.listSessions()));
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
