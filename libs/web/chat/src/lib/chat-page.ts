import { ChangeDetectionStrategy, Component, OnInit, computed, inject } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ProfileCache, SessionStore, SocketClient } from '@parley/web/core';
import { ChatStore } from './chat-store';
import { MessageStore } from './message-store';
import { PresenceStore } from './presence-store';
import { ReceiptsStore } from './receipts-store';
import { RoomsStore } from './rooms-store';
import { RoomList } from './room-list';
import { RoomView } from './room-view';
import { SendQueue } from './send-queue';
import { StatusPicker } from './status-picker';
import { TypingStore } from './typing-store';

/** The signed-in app: rooms on the left (a page of its own on phones), the open room on the right. */
@Component({
  selector: 'parley-chat-page',
  imports: [RoomList, RoomView, RouterLink, StatusPicker],
  providers: [ChatStore, MessageStore, PresenceStore, ReceiptsStore, RoomsStore, SendQueue, TypingStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'flex h-dvh flex-col bg-slate-100 text-slate-900' },
  template: `
    @if (store.reconnecting()) {
      <p role="status" class="flex items-center justify-center gap-2 border-b border-amber-300 bg-amber-50 px-4 py-1.5 text-sm font-medium text-amber-900">
        <svg viewBox="0 0 24 24" class="size-4 animate-spin" fill="none" stroke="currentColor" stroke-width="2.5" aria-hidden="true"><path d="M21 12a9 9 0 1 1-6.2-8.56" stroke-linecap="round" /></svg>
        Reconnecting…
      </p>
    }
    @for (warning of store.warnings(); track warning) {
      <p role="alert" class="border-b border-amber-300 bg-amber-100 px-4 py-2 text-sm text-amber-900">{{ warning }}</p>
    }
    <div class="flex min-h-0 flex-1">
      <aside aria-label="Sidebar"
        class="min-h-0 w-full flex-col border-r border-slate-200 bg-white md:flex md:w-80 lg:w-96"
        [class.flex]="!store.selectedRoomId()" [class.hidden]="!!store.selectedRoomId()">
        <header class="flex items-center gap-3 border-b border-slate-200 px-4 py-3">
          <span class="grid size-9 shrink-0 place-items-center rounded-xl bg-indigo-600 text-white" aria-hidden="true">
            <svg viewBox="0 0 24 24" class="size-5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" /></svg>
          </span>
          <div class="min-w-0 flex-1">
            <h1 class="text-base font-semibold leading-tight">Parley</h1>
            <p class="flex items-center gap-1.5 truncate text-xs text-slate-500">
              <span class="size-2 shrink-0 rounded-full" [class]="connectionDot()" aria-hidden="true"></span>
              <span class="truncate">{{ store.user()?.displayName }} · {{ connectionText() }}</span>
            </p>
            <parley-status-picker class="-ml-2 mt-0.5" />
          </div>
          <a routerLink="/sessions"
            class="rounded-lg px-2 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
            Sessions
          </a>
          <button type="button" (click)="logout()"
            class="rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-700 transition hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
            Log out
          </button>
        </header>
        <parley-room-list />
      </aside>

      <main class="min-h-0 min-w-0 flex-1 flex-col bg-slate-50 md:flex"
        [class.flex]="!!store.selectedRoomId()" [class.hidden]="!store.selectedRoomId()">
        @if (store.selectedRoom()) {
          <parley-room-view />
        } @else {
          <div class="m-auto max-w-sm p-8 text-center">
            <div class="mx-auto mb-4 grid size-14 place-items-center rounded-2xl bg-indigo-100 text-indigo-600" aria-hidden="true">
              <svg viewBox="0 0 24 24" class="size-7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><rect x="5" y="11" width="14" height="10" rx="2" /><path d="M8 11V7a4 4 0 0 1 8 0v4" /></svg>
            </div>
            <h2 class="text-lg font-semibold">Pick a room</h2>
            <p class="mt-1 text-sm text-slate-500">Choose a room on the left or create a new one. Everything you write is encrypted on this device.</p>
          </div>
        }
      </main>
    </div>
  `,
})
export class ChatPage implements OnInit {
  protected readonly store = inject(ChatStore);
  private readonly session = inject(SessionStore);
  private readonly socket = inject(SocketClient);
  private readonly profiles = inject(ProfileCache);
  private readonly router = inject(Router);

  protected readonly connectionText = computed(() => {
    switch (this.store.connection()) {
      case 'online':
        return 'Connected';
      case 'connecting':
        return 'Connecting…';
      default:
        return 'Offline';
    }
  });
  protected readonly connectionDot = computed(() => {
    switch (this.store.connection()) {
      case 'online':
        return 'bg-emerald-500';
      case 'connecting':
        return 'bg-amber-400';
      default:
        return 'bg-slate-400';
    }
  });

  ngOnInit(): void {
    this.store.init();
  }

  protected async logout(): Promise<void> {
    this.socket.disconnect();
    this.profiles.clear();
    this.session.logout();
    await this.router.navigateByUrl('/login');
  }
}
