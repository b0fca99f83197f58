import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { ControlContainer, FormGroupDirective, ReactiveFormsModule } from '@angular/forms';
import { INPUT_CLASS, LABEL_CLASS } from './form-styles';
import { PasswordStrengthMeter } from './password-strength-meter';

/**
 * "New password" (with the strength meter) and "Confirm new password", inside the parent's reactive form (its
 * controls `newPassword` and `confirmPassword`; the inputs keep those ids, so the parent can focus them). The
 * change-password and recovery pages ask for a new password alike.
 */
@Component({
  selector: 'parley-new-password-fields',
  imports: [ReactiveFormsModule, PasswordStrengthMeter],
  // formControlName below binds to the parent's <form [formGroup]>.
  viewProviders: [{ provide: ControlContainer, useExisting: FormGroupDirective }],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block space-y-4' },
  template: `
    <div>
      <label for="newPassword" [class]="labelClass">New password</label>
      <input id="newPassword" formControlName="newPassword" type="password" autocomplete="new-password" required
        aria-describedby="new-password-hint" [attr.aria-invalid]="invalid() === 'newPassword'" [class]="inputClass" />
      <parley-password-strength-meter [password]="newPassword()" hintId="new-password-hint" />
    </div>
    <div>
      <label for="confirmPassword" [class]="labelClass">Confirm new password</label>
      <input id="confirmPassword" formControlName="confirmPassword" type="password" autocomplete="new-password"
        required [attr.aria-invalid]="invalid() === 'confirmPassword'" [class]="inputClass" />
    </div>
  `,
})
export class NewPasswordFields {
  /** The field the parent found wrong last (any of its fields; these two mark themselves). */
  readonly invalid = input<string | null>(null);

  private readonly form = inject(FormGroupDirective);
  protected readonly inputClass = INPUT_CLASS;
  protected readonly labelClass = LABEL_CLASS;

  protected newPassword(): string {
    return String(this.form.form.get('newPassword')?.value ?? '');
  }
}
