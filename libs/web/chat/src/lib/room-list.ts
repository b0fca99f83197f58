import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ChatStore } from './chat-store';
import { formatTime } from './format-time';
import { NewRoomForm } from './new-room-form';

/** The sidebar's room list (latest activity first, with unread badges) and the "New room" form. */
@Component({
  selector: 'parley-room-list',
  imports: [NewRoomForm],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'flex min-h-0 flex-1 flex-col' },
  template: `
    <div class="border-b border-slate-200 p-4">
      <parley-new-room-form />
    </div>
    <nav aria-label="Rooms" class="min-h-0 flex-1 overflow-y-auto p-2">
      @if (store.roomsError(); as message) {
        <div role="alert" class="m-2 rounded-lg border border-rose-200 bg-rose-50 p-3 text-sm text-rose-800">
          <p>{{ message }}</p>
          <button type="button" (click)="store.loadRooms()" class="mt-2 font-medium underline underline-offset-2">Try again</button>
        </div>
      }
      <ul class="space-y-1">
        @for (room of store.sortedRooms(); track room.roomId) {
          <li>
            <button type="button" (click)="store.openRoom(room.roomId)"
              [attr.aria-current]="store.selectedRoomId() === room.roomId ? 'page' : null"
              class="group flex w-full items-center gap-3 rounded-xl px-3 py-2.5 text-left transition hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-900">
              <span class="grid size-9 shrink-0 place-items-center rounded-full bg-gradient-to-br from-indigo-500 to-sky-500 text-sm font-semibold uppercase text-white" aria-hidden="true">
                {{ initial(room.name) }}
              </span>
              <span class="min-w-0 flex-1">
                <span class="flex items-baseline gap-2">
                  <span class="min-w-0 flex-1 truncate" [class.font-semibold]="store.unread()[room.roomId]"
                    [class.font-medium]="!store.unread()[room.roomId]">{{ room.name }}</span>
                  @if (store.receipts.lastActivity()[room.roomId]; as at) {
                    <time class="shrink-0 text-[11px] text-slate-500" [attr.datetime]="iso(at)">
                      <span class="sr-only">, last message </span>{{ time(at) }}
                    </time>
                  }
                </span>
                <span class="mt-0.5 flex items-center gap-2">
                  <span class="min-w-0 flex-1 truncate text-xs text-slate-500">{{ room.role === 'owner' ? 'Owner' : 'Member' }}</span>
                  @if (store.unread()[room.roomId]; as count) {
                    <span data-testid="unread-badge"
                      class="min-w-5 shrink-0 rounded-full bg-indigo-600 px-1.5 py-0.5 text-center text-[11px] font-semibold leading-none text-white">
                      {{ count > 99 ? '99+' : count }}<span class="sr-only"> unread</span>
                    </span>
                  }
                </span>
              </span>
            </button>
          </li>
        } @empty {
          @if (!store.roomsLoading() && !store.roomsError()) {
            <li class="px-3 py-8 text-center text-sm text-slate-500">No rooms yet. Create one above, or ask a friend to invite you.</li>
          }
        }
      </ul>
      @if (store.roomsLoading() && store.rooms().length === 0) {
        <p class="px-3 py-8 text-center text-sm text-slate-500" role="status">Loading rooms…</p>
      }
    </nav>
  `,
})
export class RoomList {
  protected readonly store = inject(ChatStore);

  protected time(ms: number): string {
    return formatTime(ms);
  }

  protected iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  protected initial(name: string): string {
    return [...name.trim()][0] ?? '#';
  }
}
