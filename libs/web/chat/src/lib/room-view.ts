import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { ChatStore } from './chat-store';
import { Composer } from './composer';
import { InviteForm } from './invite-form';
import { MemberManager } from './member-manager';
import { MessageList } from './message-list';
import { PresenceDot } from './presence-dot';
import { MemberTrust, TrustBanner, TrustService } from './trust';
import { TypingStore, typingText } from './typing-store';

/** The open room: header with members (presence) and invite form, the conversation, who is typing, the composer. */
@Component({
  selector: 'parley-room-view',
  imports: [Composer, InviteForm, MemberManager, MessageList, MemberTrust, PresenceDot, TrustBanner],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'flex min-h-0 flex-1 flex-col' },
  template: `
    @if (store.selectedRoom(); as room) {
      <header class="border-b border-slate-200 bg-white/90 px-3 py-3 backdrop-blur sm:px-6">
        <div class="flex items-center gap-2">
          <button type="button" (click)="store.closeRoom()" aria-label="Back to rooms"
            class="-ml-1 grid size-9 place-items-center rounded-full text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 md:hidden">
            <svg viewBox="0 0 20 20" class="size-5" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M12.8 4.2a.75.75 0 0 1 0 1.06L8.06 10l4.74 4.74a.75.75 0 1 1-1.06 1.06l-5.27-5.27a.75.75 0 0 1 0-1.06l5.27-5.27a.75.75 0 0 1 1.06 0Z" clip-rule="evenodd"/></svg>
          </button>
          <div class="min-w-0 flex-1">
            <h2 class="truncate text-lg font-semibold text-slate-900">{{ room.name }}</h2>
            @if (store.members().length > 0) {
              <ul aria-label="Members" class="flex min-w-0 items-center gap-x-3 overflow-x-auto text-xs text-slate-500 [scrollbar-width:none]">
                @for (member of store.members(); track member.userId) {
                  <li class="flex shrink-0 items-center gap-1" [attr.title]="store.presence.textOf(member.userId) || null">
                    <parley-presence-dot [status]="store.presence.statusOf(member.userId)" />
                    <span>{{ member.userId === me() ? 'You' : member.displayName }}</span>
                    @if (store.presence.textOf(member.userId); as text) {
                      <span class="max-w-32 truncate text-slate-400">— {{ text }}</span>
                    }
                  </li>
                }
              </ul>
            } @else {
              <p class="truncate text-xs text-slate-500">End-to-end encrypted</p>
            }
          </div>
          <span class="hidden items-center gap-1 rounded-full bg-emerald-50 px-2 py-1 text-xs font-medium text-emerald-700 sm:flex"
            title="Messages are encrypted with this room's epoch key">
            <svg viewBox="0 0 20 20" class="size-3.5" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z" clip-rule="evenodd"/></svg>
            Encrypted · epoch {{ room.currentEpoch }}
          </span>
        </div>
        <div class="mt-3">
          <parley-invite-form />
        </div>
        <div class="mt-2"><parley-member-manager /></div>
        <!-- [trust] members' safety numbers -->
        <div class="mt-2"><parley-member-trust [roomId]="room.roomId" /></div>
      </header>

      @if (store.roomError(); as message) {
        <div role="alert" class="mx-3 mt-3 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 sm:mx-6">
          {{ message }}
          <button type="button" (click)="store.openRoom(room.roomId)" class="ml-2 font-medium underline underline-offset-2">Try again</button>
        </div>
      }

      <!-- [trust] membership, room-key and changed-key warnings -->
      <parley-trust-banner [roomId]="room.roomId" />

      <parley-message-list class="bg-slate-50" [messages]="store.messages()" [loading]="store.roomLoading()"
        [hasMore]="store.hasMore()" [loadingOlder]="store.olderLoading()" [seenBy]="store.seenBy()"
        (retry)="store.retry($event)" (loadOlder)="store.loadOlder()" (remove)="store.deleteMessage($event)"
        (read)="store.markOpenRoomRead()" />

      <footer class="border-t border-slate-200 bg-white px-3 pb-3 pt-1 sm:px-6">
        <p class="h-5 truncate text-xs italic text-slate-500" aria-live="polite">{{ typingText() }}</p>
        @if (!store.roomLoading() && !store.canSend()) {
          <p class="mb-2 text-xs text-amber-700">Waiting for this room's key… it arrives when a member adds your device.</p>
        }
        <!-- [trust] a failed check or an unconfirmed key change disables sending -->
        @if (trust.sendBlocked(room.roomId); as reason) {
          <p class="mb-2 text-xs font-medium text-rose-700">{{ reason }}</p>
        }
        <parley-composer [disabled]="!store.canSend() || !!trust.sendBlocked(room.roomId)" />
      </footer>
    }
  `,
})
export class RoomView {
  protected readonly store = inject(ChatStore);
  protected readonly trust = inject(TrustService);
  private readonly typing = inject(TypingStore);
  protected readonly me = computed(() => this.store.user()?.userId);
  /** "Alice is typing…" for the open room, or ''. */
  protected readonly typingText = computed(() => {
    const names = new Map(this.store.members().map((m) => [m.userId, m.displayName]));
    const ids = this.typing.typing()[this.store.selectedRoomId() ?? ''] ?? [];
    return typingText(ids.map((id) => names.get(id) ?? 'Someone'));
  });
}
