import { ChangeDetectionStrategy, Component, computed, input, output, signal } from '@angular/core';
import { PRIMARY_BUTTON_CLASS, SECONDARY_BUTTON_CLASS } from './form-styles';
import { recoveryKeyFileName, recoveryKeyFileText, recoveryKeyGroups } from './recovery-key-text';

/**
 * Shown once, right after sign-up: the recovery key, to copy or download, and a box to tick before going on. The
 * key lives only in this component's input; it is not stored anywhere in the browser nor sent to the server.
 */
@Component({
  selector: 'parley-recovery-key-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section aria-labelledby="recovery-key-title" class="space-y-5">
      <div>
        <h2 id="recovery-key-title" class="text-lg font-semibold text-slate-900">Save your recovery key</h2>
        <p class="mt-1 text-sm text-slate-600">
          If you forget your password, this key and your username let you set a new one. Parley cannot show it again
          and cannot recover your account without it.
        </p>
      </div>

      <figure class="rounded-xl border border-indigo-200 bg-indigo-50/60 p-4">
        <figcaption class="mb-3 text-xs font-medium uppercase tracking-wide text-indigo-800">Recovery key for {{ username() }}</figcaption>
        <p data-testid="recovery-key"
          class="grid select-all grid-cols-2 gap-x-3 gap-y-1.5 font-mono text-base font-semibold tracking-wider text-slate-900 min-[400px]:grid-cols-4 sm:text-lg">
          @for (group of groups(); track $index) {
            <span>{{ group }}</span>
          }
        </p>
      </figure>

      <div class="flex flex-wrap gap-2">
        <button type="button" (click)="copy()" [class]="secondaryButton">
          <svg viewBox="0 0 20 20" class="size-4" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true"><rect x="7" y="7" width="10" height="10" rx="2"/><path d="M13 7V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h2"/></svg>
          Copy
        </button>
        <button type="button" (click)="download()" [class]="secondaryButton">
          <svg viewBox="0 0 20 20" class="size-4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" aria-hidden="true"><path d="M10 3v10m0 0-4-4m4 4 4-4M4 16h12"/></svg>
          Download .txt
        </button>
        <span role="status" aria-live="polite" class="self-center text-sm text-emerald-700">{{ feedback() }}</span>
      </div>

      <p class="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        Keep it offline (printed, or in a password manager). Anyone with this key and your username can take over your
        account.
      </p>

      <label class="flex items-start gap-3 text-sm text-slate-800">
        <input type="checkbox" [checked]="saved()" (change)="saved.set($any($event.target).checked)"
          class="mt-0.5 size-4 rounded border-slate-300 accent-indigo-600" />
        <span>I saved my recovery key</span>
      </label>

      <button type="button" [disabled]="!saved()" (click)="confirmed.emit()" [class]="primaryButton">
        Continue to Parley
      </button>
    </section>
  `,
})
export class RecoveryKeyPanel {
  readonly recoveryKey = input.required<string>();
  readonly username = input.required<string>();
  readonly confirmed = output<void>();

  protected readonly saved = signal(false);
  protected readonly feedback = signal('');
  protected readonly groups = computed(() => recoveryKeyGroups(this.recoveryKey()));
  protected readonly primaryButton = PRIMARY_BUTTON_CLASS;
  protected readonly secondaryButton = SECONDARY_BUTTON_CLASS;

  protected async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.recoveryKey());
      this.feedback.set('Copied.');
    } catch {
      this.feedback.set('Could not copy: select the key and copy it by hand.');
    }
  }

  protected download(): void {
    const text = recoveryKeyFileText(this.username(), this.recoveryKey(), new Date());
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = recoveryKeyFileName(this.username());
    link.click();
    // The download has started from the link; the object URL is not needed after this task.
    setTimeout(() => URL.revokeObjectURL(url));
    this.feedback.set('Downloaded.');
  }
}
