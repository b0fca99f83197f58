import {
  ChangeDetectionStrategy, Component, ElementRef, afterNextRender, inject, input, output, signal, viewChild,
} from '@angular/core';
import { errorMessage } from '@parley/web/core';
import { TrustService, type SafetyNumberView } from './trust.service';

/**
 * Compares the safety number of me and one contact (DESIGN §3, "Trust"): the 60 digits in twelve groups, the QR
 * payload, and "Mark as verified". No QR renderer is bundled, so the payload is shown as text to compare.
 */
@Component({
  selector: 'parley-safety-number-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <dialog #dialog (close)="closed.emit()" aria-labelledby="safety-number-title"
      class="m-auto w-[min(28rem,calc(100vw-1.5rem))] rounded-2xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40">
      <div class="p-5">
        <h2 id="safety-number-title" class="text-lg font-semibold">Safety number{{ view() ? ' with ' + view()!.displayName : '' }}</h2>
        @if (view(); as sn) {
          <p class="mt-1 text-sm text-slate-600">
            Compare these numbers with {{ sn.displayName }}, in person or on a call. If they match on both devices,
            nobody is in the middle.
          </p>
          <p class="mt-4 grid grid-cols-4 gap-x-3 gap-y-1.5 rounded-xl bg-slate-50 px-4 py-3 text-center font-mono text-base tracking-wider text-slate-900 sm:text-lg"
            aria-label="Safety number" data-testid="safety-number">
            @for (group of sn.groups; track $index) { <span>{{ group }}</span> }
          </p>
          <div class="mt-4">
            <p class="text-sm font-medium text-slate-700">QR code payload</p>
            <p class="mt-1 text-xs text-slate-500">
              This build has no QR code renderer; compare this code instead (it is what the QR code would contain).
            </p>
            <code class="mt-1 block break-all rounded-lg bg-slate-50 px-3 py-2 text-xs text-slate-700" data-testid="safety-number-qr">{{ sn.qr }}</code>
          </div>
          @if (sn.changed) {
            <p class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
              {{ sn.displayName }}’s key changed. Confirm the change in the room first, then compare again.
            </p>
          } @else if (verified()) {
            <p class="mt-4 flex items-center gap-1.5 text-sm font-medium text-emerald-700" role="status">
              <svg viewBox="0 0 20 20" class="size-4" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M16.7 5.3a1 1 0 0 1 0 1.4l-8 8a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.4L8 12.6l7.3-7.3a1 1 0 0 1 1.4 0Z" clip-rule="evenodd"/></svg>
              You verified {{ sn.displayName }}.
            </p>
          }
        } @else if (error(); as message) {
          <p role="alert" class="mt-3 text-sm text-rose-700">{{ message }}</p>
        } @else {
          <p class="mt-3 text-sm text-slate-500">Computing the safety number…</p>
        }
        @if (markError(); as message) {
          <p role="alert" class="mt-3 text-sm text-rose-700">{{ message }}</p>
        }
        <div class="mt-5 flex flex-wrap justify-end gap-2">
          <button type="button" (click)="close()"
            class="rounded-lg border border-slate-200 px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
            Close
          </button>
          @if (view(); as sn) {
            @if (!verified() && !sn.changed) {
              <button type="button" (click)="markVerified(sn.userId)" [disabled]="busy()"
                class="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50">
                Mark as verified
              </button>
            }
          }
        </div>
      </div>
    </dialog>
  `,
})
export class SafetyNumberDialog {
  private readonly trust = inject(TrustService);
  readonly userId = input.required<string>();
  readonly closed = output<void>();

  protected readonly view = signal<SafetyNumberView | null>(null);
  protected readonly verified = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly markError = signal<string | null>(null);
  protected readonly busy = signal(false);
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  constructor() {
    afterNextRender(() => {
      this.dialog().nativeElement.showModal();
      void this.load();
    });
  }

  protected close(): void {
    this.dialog().nativeElement.close();
  }

  protected async markVerified(userId: string): Promise<void> {
    this.busy.set(true);
    this.markError.set(null);
    try {
      await this.trust.markVerified(userId);
      this.verified.set(true);
    } catch (error) {
      this.markError.set(errorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }

  private async load(): Promise<void> {
    try {
      const view = await this.trust.safetyNumber(this.userId());
      this.view.set(view);
      this.verified.set(view.verified);
    } catch (error) {
      this.error.set(errorMessage(error));
    }
  }
}
