import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { passwordStrength } from './password-rules';

const BAR_COLOURS = ['bg-rose-500', 'bg-rose-500', 'bg-amber-500', 'bg-emerald-500', 'bg-emerald-600'] as const;

/** Four bars and a sentence under a new-password field; the field points at it with aria-describedby. */
@Component({
  selector: 'parley-password-strength-meter',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="mt-2 flex gap-1" aria-hidden="true">
      @for (bar of bars; track bar) {
        <span class="h-1.5 flex-1 rounded-full" [class]="bar <= strength().level && password() ? colour() : 'bg-slate-200'"></span>
      }
    </div>
    <p [id]="hintId()" class="mt-1 text-xs text-slate-500" aria-live="polite">
      @if (password()) {
        <span class="font-medium text-slate-700">{{ strength().label }}.</span>
      }
      {{ strength().hint }}
    </p>
  `,
})
export class PasswordStrengthMeter {
  readonly password = input.required<string>();
  readonly hintId = input.required<string>();

  protected readonly bars = [1, 2, 3, 4] as const;
  protected readonly strength = computed(() => passwordStrength(this.password()));
  protected readonly colour = computed(() => BAR_COLOURS[this.strength().level]);
}
