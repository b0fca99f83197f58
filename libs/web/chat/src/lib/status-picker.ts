import { ChangeDetectionStrategy, Component, ElementRef, inject, signal, viewChild } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { PRESENCE_STATUSES, REALTIME_LIMITS, type PresenceStatus } from '@parley/shared/contracts';
import { errorMessage } from '@parley/web/core';
import { PresenceDot, STATUS_LABELS } from './presence-dot';
import { PresenceStore } from './presence-store';

/** My status (online, away, busy, invisible) and a short status text, for everyone who shares a room with me. */
@Component({
  selector: 'parley-status-picker',
  imports: [FormsModule, PresenceDot],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'relative block' },
  template: `
    <details #details class="group">
      <summary (click)="onOpen()"
        class="flex cursor-pointer list-none items-center gap-1.5 rounded-lg px-2 py-1 text-xs text-slate-600 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 [&::-webkit-details-marker]:hidden">
        <parley-presence-dot [status]="presence.mine().status" />
        <span class="max-w-32 truncate">{{ presence.mine().text || labels[presence.mine().status] }}</span>
        <span class="sr-only">— change my status</span>
        <svg viewBox="0 0 20 20" class="size-3.5 transition group-open:rotate-180" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M5.2 7.2a.75.75 0 0 1 1.06 0L10 10.94l3.74-3.74a.75.75 0 1 1 1.06 1.06l-4.27 4.27a.75.75 0 0 1-1.06 0L5.2 8.26a.75.75 0 0 1 0-1.06Z" clip-rule="evenodd"/></svg>
      </summary>
      <form (ngSubmit)="save()" (keydown.escape)="close()"
        class="absolute left-0 z-20 mt-1 w-64 space-y-3 rounded-xl border border-slate-200 bg-white p-3 shadow-lg">
        <div>
          <label for="my-status" class="block text-xs font-medium text-slate-600">Status</label>
          <select id="my-status" name="status" [(ngModel)]="status"
            class="mt-1 w-full rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm outline-none focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15">
            @for (option of statuses; track option) {
              <option [value]="option">{{ labels[option] }}{{ option === 'invisible' ? ' (look offline)' : '' }}</option>
            }
          </select>
        </div>
        <div>
          <label for="my-status-text" class="block text-xs font-medium text-slate-600">Status message</label>
          <input id="my-status-text" name="statusText" type="text" [(ngModel)]="text" [attr.maxlength]="max"
            placeholder="What are you up to?" autocomplete="off"
            class="mt-1 w-full rounded-lg border border-slate-300 px-2 py-1.5 text-sm outline-none focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15" />
        </div>
        @if (error(); as message) {
          <p role="alert" class="text-sm text-rose-700">{{ message }}</p>
        }
        <div class="flex justify-end gap-2">
          <button type="button" (click)="close()"
            class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600">Cancel</button>
          <button type="submit" [disabled]="busy()"
            class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60">
            {{ busy() ? 'Saving…' : 'Set status' }}
          </button>
        </div>
      </form>
    </details>
  `,
})
export class StatusPicker {
  protected readonly presence = inject(PresenceStore);
  protected readonly statuses = PRESENCE_STATUSES;
  protected readonly labels = STATUS_LABELS;
  protected readonly max = REALTIME_LIMITS.statusTextMax;
  protected readonly status = signal<PresenceStatus>('online');
  protected readonly text = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  private readonly details = viewChild.required<ElementRef<HTMLDetailsElement>>('details');

  /** Opening shows what is set now (on the click itself: the toggle event would come after the first input). */
  protected onOpen(): void {
    if (this.details().nativeElement.open) return;
    this.status.set(this.presence.mine().status);
    this.text.set(this.presence.mine().text);
    this.error.set(null);
  }

  protected close(): void {
    this.details().nativeElement.open = false;
    this.details().nativeElement.querySelector('summary')?.focus();
  }

  protected async save(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.presence.setMine(this.status(), this.text());
      this.close();
    } catch (error) {
      this.error.set(errorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}
