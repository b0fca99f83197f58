import {
  ChangeDetectionStrategy, Component, ElementRef, afterRenderEffect, inject, input, output, viewChild,
} from '@angular/core';
import type { ChatMessage } from './chat-message';
import { formatTime } from './format-time';
import { RoomSecurity } from './trust/room-security';

/** The conversation: a live log, own messages on the right, with sending state and "retry". */
@Component({
  selector: 'parley-message-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'flex min-h-0 flex-1 flex-col' },
  template: `
    <div #scroller role="log" aria-label="Messages" aria-live="polite" tabindex="0"
      class="min-h-0 flex-1 overflow-y-auto px-3 py-4 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 sm:px-6">
      @if (hasMore()) {
        <div class="mb-4 text-center">
          <button type="button" (click)="loadOlder.emit()"
            class="rounded-full border border-slate-200 bg-white px-3 py-1 text-xs font-medium text-slate-600 hover:bg-slate-50">
            Load earlier messages
          </button>
        </div>
      }
      <ul class="flex flex-col gap-1.5">
        @for (message of messages(); track message.messageId; let i = $index) {
          <li class="flex flex-col" [class.items-end]="message.own" [class.items-start]="!message.own"
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
            @if (message.status === 'undecryptable') {
              <div class="max-w-[85%] rounded-2xl border border-dashed border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 sm:max-w-[70%]">
                <p class="flex items-center gap-1.5 font-medium">
                  <svg viewBox="0 0 20 20" class="size-4" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z" clip-rule="evenodd"/></svg>
                  Could not decrypt this message
                </p>
                @if (message.error) { <p class="mt-0.5 text-xs">{{ message.error }}</p> }
                <time class="mt-1 block text-right text-[11px] text-amber-700" [attr.datetime]="iso(message.sentAt)">{{ time(message.sentAt) }}</time>
              </div>
            } @else {
              <div class="max-w-[85%] rounded-2xl px-3.5 py-2 shadow-sm sm:max-w-[70%]"
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
                </p>
              </div>
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
  readonly retry = output<string>();
  readonly loadOlder = output<void>();
  protected readonly security = inject(RoomSecurity);

  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');
  private lastCount = 0;
  private lastLastId: string | undefined;

  constructor() {
    // Follow new messages at the bottom, unless the reader scrolled up to read older ones.
    afterRenderEffect(() => {
      const list = this.messages();
      const el = this.scroller().nativeElement;
      const lastId = list.at(-1)?.messageId;
      const grewAtEnd = lastId !== this.lastLastId;
      const ownLast = list.at(-1)?.own ?? false;
      const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 160;
      if (grewAtEnd && (ownLast || nearBottom || this.lastCount === 0)) el.scrollTop = el.scrollHeight;
      this.lastCount = list.length;
      this.lastLastId = lastId;
    });
  }

  protected time(ms: number): string {
    return formatTime(ms);
  }

  protected iso(ms: number): string {
    return new Date(ms).toISOString();
  }
}
