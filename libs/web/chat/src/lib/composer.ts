import { ChangeDetectionStrategy, Component, ElementRef, inject, input, signal, viewChild } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { errorMessage } from '@parley/web/core';
import { ChatStore } from './chat-store';
import { TypingStore } from './typing-store';

/** Writes a message: Enter sends, Shift+Enter starts a new line. Typing tells the room (throttled). */
@Component({
  selector: 'parley-composer',
  imports: [FormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form (ngSubmit)="send()" class="flex items-end gap-2">
      <label for="composer-message" class="sr-only">Message</label>
      <textarea #field id="composer-message" name="message" rows="1" [(ngModel)]="text" (ngModelChange)="onInput($event)"
        (keydown)="onKeydown($event)" (blur)="stopTyping()"
        [disabled]="disabled()" placeholder="Write an encrypted message…" autocomplete="off"
        [attr.aria-describedby]="error() ? 'composer-error' : 'composer-hint'"
        class="max-h-40 min-h-11 flex-1 resize-none rounded-2xl border border-slate-300 bg-white px-4 py-2.5 text-[15px] shadow-sm outline-none transition field-sizing-content focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15 disabled:bg-slate-100"></textarea>
      <button type="submit" [disabled]="disabled()"
        class="grid size-11 shrink-0 place-items-center rounded-full bg-indigo-600 text-white shadow-sm transition hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50">
        <svg viewBox="0 0 20 20" class="size-5" fill="currentColor" aria-hidden="true"><path d="M3.1 2.3a.75.75 0 0 0-.9 1l2.3 5.95a.75.75 0 0 0 .6.48l6.2.77c.3.04.3.46 0 .5l-6.2.77a.75.75 0 0 0-.6.48L2.2 18.2a.75.75 0 0 0 .9 1 28.9 28.9 0 0 0 15.3-8.4.75.75 0 0 0 0-1.1A28.9 28.9 0 0 0 3.1 2.3Z"/></svg>
        <span class="sr-only">Send</span>
      </button>
    </form>
    @if (error(); as message) {
      <p id="composer-error" role="alert" class="mt-1 px-2 text-sm text-rose-700">{{ message }}</p>
    } @else {
      <p id="composer-hint" class="mt-1 hidden px-2 text-xs text-slate-400 sm:block">Enter to send · Shift+Enter for a new line</p>
    }
  `,
})
export class Composer {
  private readonly store = inject(ChatStore);
  private readonly typing = inject(TypingStore);
  readonly disabled = input(false);
  protected readonly text = signal('');
  protected readonly error = signal<string | null>(null);
  private readonly field = viewChild.required<ElementRef<HTMLTextAreaElement>>('field');

  protected onInput(text: string): void {
    const roomId = this.store.selectedRoomId();
    if (roomId) this.typing.input(roomId, text);
  }

  protected stopTyping(): void {
    const roomId = this.store.selectedRoomId();
    if (roomId) this.typing.stop(roomId);
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void this.send();
    }
  }

  protected async send(): Promise<void> {
    const body = this.text().trim();
    if (!body || this.disabled()) return;
    this.text.set('');
    this.error.set(null);
    try {
      await this.store.send(body);
    } catch (error) {
      this.text.set(body);
      this.error.set(errorMessage(error));
    }
    this.field().nativeElement.focus();
  }
}
