import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ROOM_NAME_MAX } from '@parley/shared/contracts';
import { errorMessage } from '@parley/web/core';
import { ChatStore } from './chat-store';

/** "New room": a name, then the room is created (signed op + first epoch key) and opened. */
@Component({
  selector: 'parley-new-room-form',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form (ngSubmit)="create()" class="space-y-2" aria-labelledby="new-room-heading">
      <h2 id="new-room-heading" class="text-xs font-semibold uppercase tracking-wide text-slate-500">New room</h2>
      <label for="room-name" class="sr-only">Room name</label>
      <div class="flex gap-2">
        <input id="room-name" name="roomName" type="text" [(ngModel)]="name" [attr.maxlength]="max" autocomplete="off"
          placeholder="Room name" [attr.aria-describedby]="error() ? 'new-room-error' : null"
          class="min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm outline-none transition focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15" />
        <button type="submit" [disabled]="busy()"
          class="shrink-0 rounded-lg bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm transition hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60">
          {{ busy() ? 'Creating…' : 'Create room' }}
        </button>
      </div>
      @if (error(); as message) {
        <p id="new-room-error" role="alert" class="text-sm text-rose-700">{{ message }}</p>
      }
    </form>
  `,
})
export class NewRoomForm {
  private readonly store = inject(ChatStore);
  protected readonly max = ROOM_NAME_MAX;
  protected readonly name = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async create(): Promise<void> {
    const name = this.name().trim();
    if (this.busy()) return;
    if (!name) {
      this.error.set('Give the room a name.');
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.store.createRoom(name);
      this.name.set('');
    } catch (error) {
      this.error.set(errorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}
