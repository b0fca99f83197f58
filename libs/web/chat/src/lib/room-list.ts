import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ChatStore } from './chat-store';
import { NewRoomForm } from './new-room-form';

/** The sidebar's room list and the "New room" form. */
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
        @for (room of store.rooms(); track room.roomId) {
          <li>
            <button type="button" (click)="store.openRoom(room.roomId)"
              [attr.aria-current]="store.selectedRoomId() === room.roomId ? 'page' : null"
              class="group flex w-full items-center gap-3 rounded-xl px-3 py-2.5 text-left transition hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-900">
              <span class="grid size-9 shrink-0 place-items-center rounded-full bg-gradient-to-br from-indigo-500 to-sky-500 text-sm font-semibold uppercase text-white" aria-hidden="true">
                {{ initial(room.name) }}
              </span>
              <span class="min-w-0 flex-1">
                <span class="block truncate font-medium">{{ room.name }}</span>
                <span class="block truncate text-xs text-slate-500">{{ room.role === 'owner' ? 'Owner' : 'Member' }}</span>
              </span>
              @if (store.unread()[room.roomId]; as count) {
                <span class="rounded-full bg-indigo-600 px-2 py-0.5 text-xs font-semibold text-white">
                  {{ count }}<span class="sr-only"> unread</span>
                </span>
              }
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

  protected initial(name: string): string {
    return [...name.trim()][0] ?? '#';
  }
}
