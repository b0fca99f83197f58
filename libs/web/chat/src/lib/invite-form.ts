import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { errorMessage } from '@parley/web/core';
import { ChatStore } from './chat-store';

/** Adds someone to the open room by exact username (a signed `add` op and a new epoch key). */
@Component({
  selector: 'parley-invite-form',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form (ngSubmit)="invite()" class="flex flex-wrap items-center gap-2">
      <label for="invite-username" class="text-sm font-medium text-slate-600">Invite by username</label>
      <div class="flex min-w-0 flex-1 gap-2 sm:max-w-md">
        <input id="invite-username" name="inviteUsername" type="text" [(ngModel)]="username" autocomplete="off"
          autocapitalize="none" spellcheck="false" placeholder="username"
          [attr.aria-describedby]="feedback() ? 'invite-feedback' : null"
          class="min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm outline-none transition focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15" />
        <button type="submit" [disabled]="busy()"
          class="shrink-0 rounded-lg border border-indigo-200 bg-indigo-50 px-3 py-1.5 text-sm font-medium text-indigo-700 transition hover:bg-indigo-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60">
          {{ busy() ? 'Inviting…' : 'Invite' }}
        </button>
      </div>
      @if (feedback(); as f) {
        <p id="invite-feedback" [attr.role]="f.ok ? 'status' : 'alert'" class="w-full text-sm"
          [class]="f.ok ? 'text-emerald-700' : 'text-rose-700'">{{ f.text }}</p>
      }
    </form>
  `,
})
export class InviteForm {
  private readonly store = inject(ChatStore);
  protected readonly username = signal('');
  protected readonly busy = signal(false);
  protected readonly feedback = signal<{ ok: boolean; text: string } | null>(null);

  protected async invite(): Promise<void> {
    const username = this.username().trim();
    if (this.busy()) return;
    if (!username) {
      this.feedback.set({ ok: false, text: 'Enter the username of the person to invite.' });
      return;
    }
    this.busy.set(true);
    this.feedback.set(null);
    try {
      this.feedback.set({ ok: true, text: await this.store.invite(username) });
      this.username.set('');
    } catch (error) {
      this.feedback.set({ ok: false, text: errorMessage(error) });
    } finally {
      this.busy.set(false);
    }
  }
}
