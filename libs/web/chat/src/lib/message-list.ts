import {
  ChangeDetectionStrategy, Component, ElementRef, afterRenderEffect, inject, input, output, signal, viewChild,
} from '@angular/core';
import type { ChatMessage } from './chat-message';
import { formatTime } from './format-time';
import { RoomSecurity } from './trust/room-security';

/** Scrolled this close to the top, the older page loads; this close to the bottom, the newest is "seen". */
const LOAD_OLDER_PX = 120;
const AT_BOTTOM_PX = 48;

/**
 * The conversation: a live log, own messages on the right, with sending state, "retry", delete (own messages,
 * after a confirmation), tombstones and "Seen by". Scrolling to the top loads older messages without moving
 * what the reader looks at; reaching the newest message while the tab has focus emits `read`.
 */
@Component({
  selector: 'parley-message-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    class: 'flex min-h-0 flex-1 flex-col',
    '(window:focus)': 'checkRead()',
    '(document:visibilitychange)': 'checkRead()',
  },
  template: `
    <div #scroller role="log" aria-label="Messages" aria-live="polite" tabindex="0" (scroll)="onScroll()"
      class="min-h-0 flex-1 overflow-y-auto px-3 py-4 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 sm:px-6">
      @if (hasMore()) {
        <div class="mb-4 text-center">
          <button type="button" (click)="requestOlder()" [disabled]="loadingOlder()"
            class="rounded-full border border-slate-200 bg-white px-3 py-1 text-xs font-medium text-slate-600 hover:bg-slate-50 disabled:opacity-60">
            {{ loadingOlder() ? 'Loading earlier messages…' : 'Load earlier messages' }}
          </button>
        </div>
      } @else if (!loading() && messages().length > 0) {
        <p class="mb-4 text-center text-xs text-slate-400">Beginning of conversation</p>
      }
      <ul class="flex flex-col gap-1.5">
        @for (message of messages(); track message.messageId; let i = $index) {
          <li class="group flex flex-col" [class.items-end]="message.own" [class.items-start]="!message.own"
            [class.mt-3]="i > 0 && messages()[i - 1].senderUserId !== message.senderUserId">
            <!-- [trust] the sender's senderSeq skipped ahead: something of theirs was withheld or lost -->
            @if (security.gaps()[message.messageId]) {
              <p role="note" class="my-1 self-center rounded-full bg-slate-200/70 px-3 py-0.5 text-[11px] text-slate-600">
                Messages may be missing from {{ message.senderName }}
              </p>
            }
            @if (i === 0 || messages()[i - 1].senderUserId !== message.senderUserId) {
              <span class="mb-0.5 px-1 text-xs font-medium text-slate-500">{{ message.own ? 'You' : message.senderName }}</span>
            }
            @if (message.status === 'deleted') {
              <div class="max-w-[85%] rounded-2xl border border-dashed border-slate-300 px-3 py-1.5 text-sm italic text-slate-500 sm:max-w-[70%]">
                @if (!message.own) { <span class="sr-only">{{ message.senderName }}: </span> }
                Message deleted
              </div>
            } @else if (message.status === 'undecryptable') {
              <div class="max-w-[85%] rounded-2xl border border-dashed border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 sm:max-w-[70%]">
                <p class="flex items-center gap-1.5 font-medium">
                  <svg viewBox="0 0 20 20" class="size-4" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z" clip-rule="evenodd"/></svg>
                  Could not decrypt this message
                </p>
                @if (message.error) { <p class="mt-0.5 text-xs">{{ message.error }}</p> }
                <time class="mt-1 block text-right text-[11px] text-amber-700" [attr.datetime]="iso(message.sentAt)">{{ time(message.sentAt) }}</time>
              </div>
            } @else {
              <div class="flex max-w-[85%] items-center gap-1 sm:max-w-[70%]">
                @if (message.own && message.seq !== null && confirming() !== message.messageId) {
                  <button type="button" (click)="confirming.set(message.messageId)" aria-label="Delete message"
                    class="grid size-8 shrink-0 place-items-center rounded-full text-slate-400 opacity-0 transition hover:bg-slate-200 hover:text-slate-600 focus-visible:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-600 group-hover:opacity-100 pointer-coarse:opacity-60">
                    <svg viewBox="0 0 20 20" class="size-4" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M8.75 1A2.75 2.75 0 0 0 6 3.75v.44c-.8.08-1.58.18-2.36.3a.75.75 0 1 0 .22 1.49l.15-.02.8 10.4A2.75 2.75 0 0 0 7.55 19h4.9a2.75 2.75 0 0 0 2.74-2.54l.8-10.4.15.02a.75.75 0 0 0 .22-1.49c-.78-.12-1.57-.22-2.36-.3v-.44A2.75 2.75 0 0 0 11.25 1h-2.5ZM10 4c.84 0 1.67.03 2.5.08v-.33c0-.69-.56-1.25-1.25-1.25h-2.5c-.69 0-1.25.56-1.25 1.25v.33C8.33 4.03 9.16 4 10 4ZM8.58 7.72a.75.75 0 0 0-1.5.06l.3 7.5a.75.75 0 1 0 1.5-.06l-.3-7.5Zm4.34.06a.75.75 0 1 0-1.5-.06l-.3 7.5a.75.75 0 1 0 1.5.06l.3-7.5Z" clip-rule="evenodd"/></svg>
                  </button>
                }
                <div class="min-w-0 rounded-2xl px-3.5 py-2 shadow-sm"
                  [class]="message.own
                    ? 'rounded-br-md bg-indigo-600 text-white'
                    : 'rounded-bl-md border border-slate-200 bg-white text-slate-900'"
                  [class.opacity-70]="message.status === 'sending'">
                  @if (!message.own) { <span class="sr-only">{{ message.senderName }}: </span> }
                  <p class="whitespace-pre-wrap break-words text-[15px] leading-snug">{{ message.body }}</p>
                  <p class="mt-1 flex items-center justify-end gap-1.5 text-[11px]"
                    [class]="message.own ? 'text-indigo-100' : 'text-slate-400'">
                    <time [attr.datetime]="iso(message.sentAt)">{{ time(message.sentAt) }}</time>
                    @if (message.status === 'sending') { <span>· sending…</span> }
                    @if (message.own && message.status === 'sent') { <span class="sr-only">· sent</span> }
                  </p>
                </div>
              </div>
              @if (confirming() === message.messageId) {
                <div role="group" aria-label="Confirm deletion" (keydown.escape)="confirming.set(null)"
                  class="mt-1 flex items-center gap-2 rounded-lg border border-slate-200 bg-white px-2 py-1 text-xs shadow-sm">
                  <span class="text-slate-600">Delete for everyone?</span>
                  <button #confirmDelete type="button" (click)="confirmDeletion(message.messageId)"
                    class="rounded-md bg-rose-600 px-2 py-0.5 font-medium text-white hover:bg-rose-500 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-rose-600">
                    Delete
                  </button>
                  <button type="button" (click)="confirming.set(null)"
                    class="rounded-md px-2 py-0.5 font-medium text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600">
                    Cancel
                  </button>
                </div>
              }
              @if (message.status === 'failed') {
                <p class="mt-1 flex items-center gap-2 text-xs text-rose-700">
                  @if (message.error) { <span>{{ message.error }}</span> }
                  <button type="button" (click)="retry.emit(message.messageId)"
                    class="rounded-md border border-rose-200 bg-rose-50 px-2 py-0.5 font-medium hover:bg-rose-100 focus-visible:outline-2 focus-visible:outline-rose-600">
                    failed — retry
                  </button>
                </p>
              }
            }
            @if (seenBy()[message.messageId]; as names) {
              <p class="mt-0.5 px-1 text-[11px] text-slate-500">Seen by {{ names.join(', ') }}</p>
            }
          </li>
        } @empty {
          @if (!loading()) {
            <li class="py-16 text-center text-sm text-slate-500">
              No messages yet. Say hello — only the people in this room can read it.
            </li>
          }
        }
      </ul>
      @if (loading() && messages().length === 0) {
        <p class="py-16 text-center text-sm text-slate-500">Decrypting messages…</p>
      }
    </div>
  `,
})
export class MessageList {
  readonly messages = input.required<ChatMessage[]>();
  readonly loading = input(false);
  readonly hasMore = input(false);
  readonly loadingOlder = input(false);
  /** messageId → names of the members who read up to it. */
  readonly seenBy = input<Record<string, string[]>>({});
  readonly retry = output<string>();
  readonly loadOlder = output<void>();
  protected readonly security = inject(RoomSecurity);
  readonly remove = output<string>();
  /** The newest message is on screen and the tab has focus. */
  readonly read = output<void>();

  protected readonly confirming = signal<string | null>(null);
  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');
  private readonly confirmButton = viewChild<ElementRef<HTMLButtonElement>>('confirmDelete');
  private lastCount = 0;
  private lastLastId: string | undefined;
  /** Where the reader was when older messages were requested: restored once they are rendered above. */
  private anchor: { height: number; top: number; firstId: string | undefined } | null = null;

  constructor() {
    afterRenderEffect(() => {
      const list = this.messages();
      const el = this.scroller().nativeElement;
      const firstId = list[0]?.messageId;
      if (this.anchor && firstId !== this.anchor.firstId) {
        // Older messages were put above: keep the same message under the reader's eyes.
        el.scrollTop = el.scrollHeight - this.anchor.height + this.anchor.top;
        this.anchor = null;
      } else if (this.anchor && !this.loadingOlder()) {
        this.anchor = null; // the load ended without older messages (an error): the next scroll asks again
      }
      // Follow new messages at the bottom, unless the reader scrolled up to read older ones.
      const lastId = list.at(-1)?.messageId;
      const grewAtEnd = lastId !== this.lastLastId;
      const ownLast = list.at(-1)?.own ?? false;
      const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 160;
      if (grewAtEnd && (ownLast || nearBottom || this.lastCount === 0)) el.scrollTop = el.scrollHeight;
      this.lastCount = list.length;
      this.lastLastId = lastId;
      this.checkRead();
    });
    // The confirmation takes the focus from the delete button it replaced (keyboard users).
    afterRenderEffect(() => this.confirmButton()?.nativeElement.focus());
  }

  protected onScroll(): void {
    const el = this.scroller().nativeElement;
    if (el.scrollTop < LOAD_OLDER_PX) this.requestOlder();
    this.checkRead();
  }

  protected requestOlder(): void {
    if (!this.hasMore() || this.loadingOlder()) return;
    const el = this.scroller().nativeElement;
    this.anchor = { height: el.scrollHeight, top: el.scrollTop, firstId: this.messages()[0]?.messageId };
    this.loadOlder.emit();
  }

  protected confirmDeletion(messageId: string): void {
    this.confirming.set(null);
    this.remove.emit(messageId);
  }

  protected checkRead(): void {
    const el = this.scroller().nativeElement;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;
    if (atBottom && document.visibilityState === 'visible' && document.hasFocus() && this.messages().length > 0) {
      this.read.emit();
    }
  }

  protected time(ms: number): string {
    return formatTime(ms);
  }

  protected iso(ms: number): string {
    return new Date(ms).toISOString();
  }
}
