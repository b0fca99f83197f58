import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { errorMessage } from '@parley/web/core';
import { ChatStore } from './chat-store';

/**
 * Removing members (owners and admins; a signed `remove` op and a new epoch key at once) and leaving the room
 * (a signed `leave` op). Each asks once more before it acts: neither can be undone from here.
 */
@Component({
  selector: 'parley-member-manager',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details class="text-sm">
      <summary class="cursor-pointer select-none rounded text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600">
        Manage members
      </summary>
      <ul aria-label="Manage members" class="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
        @for (member of store.members(); track member.userId) {
          <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
            <span class="truncate text-slate-800">{{ member.userId === me() ? 'You' : member.displayName }}</span>
            @if (canRemove(member.userId)) {
              @if (confirming() === member.userId) {
                <span class="flex gap-2">
                  <button type="button" (click)="remove(member.userId)" [disabled]="busy()" [class]="danger">
                    Remove {{ member.displayName }}
                  </button>
                  <button type="button" (click)="confirming.set(null)" [class]="plain">Cancel</button>
                </span>
              } @else {
                <button type="button" (click)="confirming.set(member.userId)" [attr.aria-label]="'Remove ' + member.displayName"
                  [class]="plain">Remove</button>
              }
            }
          </li>
        }
      </ul>
      <div class="mt-2 flex flex-wrap items-center gap-2">
        @if (confirming() === 'leave') {
          <button type="button" (click)="leave()" [disabled]="busy()" [class]="danger">Leave for good</button>
          <button type="button" (click)="confirming.set(null)" [class]="plain">Cancel</button>
        } @else {
          <button type="button" (click)="confirming.set('leave')" [class]="plain">Leave room</button>
        }
      </div>
      @if (feedback(); as f) {
        <p [attr.role]="f.ok ? 'status' : 'alert'" class="mt-2" [class]="f.ok ? 'text-emerald-700' : 'text-rose-700'">{{ f.text }}</p>
      }
    </details>
  `,
})
export class MemberManager {
  protected readonly store = inject(ChatStore);
  protected readonly me = computed(() => this.store.user()?.userId);
  protected readonly confirming = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly feedback = signal<{ ok: boolean; text: string } | null>(null);
  protected readonly plain =
    'rounded-lg border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600';
  protected readonly danger =
    'rounded-lg bg-rose-600 px-2.5 py-1 text-xs font-medium text-white hover:bg-rose-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600 disabled:opacity-60';

  /** Owners and admins remove anyone but themselves and the room's creator (the owner). */
  protected canRemove(userId: string): boolean {
    const room = this.store.selectedRoom();
    if (!room || userId === this.me() || userId === room.createdBy) return false;
    return room.role === 'owner' || room.role === 'admin';
  }

  protected async remove(userId: string): Promise<void> {
    await this.act(() => this.store.removeMember(userId));
  }

  protected async leave(): Promise<void> {
    await this.act(async () => {
      await this.store.leaveRoom();
      return null;
    });
  }

  private async act(work: () => Promise<string | null>): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.feedback.set(null);
    try {
      const text = await work();
      if (text) this.feedback.set({ ok: true, text });
      this.confirming.set(null);
    } catch (error) {
      this.feedback.set({ ok: false, text: errorMessage(error) });
    } finally {
      this.busy.set(false);
    }
  }
}
