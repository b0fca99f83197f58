import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/**
 * Which step of a slow operation is running (Argon2id takes seconds): a bar and a sentence, announced politely.
 * The Web Worker reports no progress inside a step, so the bar moves per step and the spinner shows it is alive.
 */
@Component({
  selector: 'parley-step-progress',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (current() >= 0) {
      <div class="space-y-2">
        <div role="progressbar" [attr.aria-label]="label()" aria-valuemin="0" [attr.aria-valuemax]="steps().length"
          [attr.aria-valuenow]="current() + 1" [attr.aria-valuetext]="text()"
          class="h-1.5 overflow-hidden rounded-full bg-indigo-100">
          <div class="h-full rounded-full bg-indigo-600 transition-all duration-500" [style.width.%]="percent()"></div>
        </div>
        <p class="flex items-center gap-2 text-sm text-slate-600">
          <span class="size-4 shrink-0 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600" aria-hidden="true"></span>
          <span>{{ text() }}</span>
        </p>
      </div>
    }
  `,
})
export class StepProgress {
  /** Sentences, one per step. */
  readonly steps = input.required<readonly string[]>();
  /** Index of the running step, -1 when idle. */
  readonly current = input.required<number>();
  readonly label = input('Progress');

  protected readonly text = computed(() => `Step ${this.current() + 1} of ${this.steps().length}: ${this.steps()[this.current()] ?? ''}`);
  protected readonly percent = computed(() => Math.round(((this.current() + 1) / this.steps().length) * 100));
}
