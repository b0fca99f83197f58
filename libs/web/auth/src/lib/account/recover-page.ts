import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { USERNAME_PATTERN } from '@parley/shared/contracts';
import { errorMessage } from '@parley/web/core';
import { AccountFormError, AccountService, type RecoveryStep } from './account-service';
import { INPUT_CLASS, LABEL_CLASS, PRIMARY_BUTTON_CLASS } from './form-styles';
import { ParleyBrand } from './parley-brand';
import { NewPasswordFields } from './new-password-fields';
import { newPasswordProblem } from './password-rules';
import { recoveryKeyInputProblem } from './recovery-key-text';
import { StepProgress } from './step-progress';

type Field = 'username' | 'recoveryKey' | 'newPassword' | 'confirmPassword';

const STEPS: readonly RecoveryStep[] = ['challenge', 'unlock', 'new', 'server', 'device'];
const STEP_TEXT: readonly string[] = [
  'Contacting the server…',
  'Opening your account backup with the recovery key…',
  'Protecting your new password with Argon2id… this takes a few seconds.',
  'Saving the new password…',
  'Signing you in…',
];

/**
 * Forgot the password (route `/recover`): the recovery key from sign-up opens the account backup in this browser,
 * the identity key inside it proves the request, and a new password wraps the backup key from now on.
 */
@Component({
  selector: 'parley-recover-page',
  imports: [ReactiveFormsModule, RouterLink, ParleyBrand, NewPasswordFields, StepProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block min-h-dvh bg-gradient-to-br from-indigo-50 via-white to-sky-50' },
  template: `
    <main class="mx-auto flex min-h-dvh w-full max-w-md flex-col justify-center px-4 py-10">
      <parley-brand />
      <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-xl shadow-slate-200/60 sm:p-8" aria-labelledby="recover-title">
        <h1 id="recover-title" class="text-xl font-semibold text-slate-900">Set a new password</h1>
        <p class="mb-6 mt-1 text-sm text-slate-600">
          Use the recovery key you saved when you created your account. It never leaves this browser. Every browser
          signed in to your account will be signed out.
        </p>

        <form [formGroup]="form" (ngSubmit)="submit()" novalidate class="space-y-4">
          <div>
            <label for="username" [class]="labelClass">Username</label>
            <input id="username" formControlName="username" type="text" autocomplete="username" autocapitalize="none"
              spellcheck="false" required [attr.aria-invalid]="invalid() === 'username'" [class]="inputClass" />
          </div>
          <div>
            <label for="recoveryKey" [class]="labelClass">Recovery key</label>
            <textarea id="recoveryKey" formControlName="recoveryKey" rows="3" autocomplete="off" autocapitalize="characters"
              spellcheck="false" required aria-describedby="recovery-key-hint" [attr.aria-invalid]="invalid() === 'recoveryKey'"
              [class]="inputClass + ' resize-none font-mono uppercase tracking-wider'"></textarea>
            <p id="recovery-key-hint" class="mt-1 text-xs text-slate-500">56 letters and digits; spaces, dashes and case do not matter.</p>
          </div>
          <parley-new-password-fields [invalid]="invalid()" />

          @if (error(); as message) {
            <p role="alert" class="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">{{ message }}</p>
          }
          <div aria-live="polite" class="min-h-5">
            <parley-step-progress [steps]="stepText" [current]="step()" label="Recovering the account" />
          </div>

          <button type="submit" [disabled]="busy()" [class]="primaryButton">Set new password and log in</button>
          <p class="text-center text-sm">
            <a routerLink="/login" class="font-medium text-indigo-700 hover:underline">Back to log in</a>
          </p>
        </form>
      </section>
    </main>
  `,
})
export class RecoverPage {
  private readonly account = inject(AccountService);
  private readonly router = inject(Router);

  protected readonly inputClass = INPUT_CLASS;
  protected readonly labelClass = LABEL_CLASS;
  protected readonly primaryButton = PRIMARY_BUTTON_CLASS;
  protected readonly stepText = STEP_TEXT;

  protected readonly busy = signal(false);
  protected readonly step = signal(-1);
  protected readonly error = signal<string | null>(null);
  protected readonly invalid = signal<Field | null>(null);

  protected readonly form = inject(FormBuilder).nonNullable.group({
    username: [''],
    recoveryKey: [''],
    newPassword: [''],
    confirmPassword: [''],
  });

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    const { recoveryKey, newPassword, confirmPassword } = this.form.getRawValue();
    const username = this.form.controls.username.value.trim().toLowerCase();
    const problem = this.problem(username, recoveryKey, newPassword, confirmPassword);
    if (problem) {
      this.fail(problem.message, problem.field);
      return;
    }
    this.error.set(null);
    this.invalid.set(null);
    this.busy.set(true);
    try {
      await this.account.recover({ username, recoveryKey, newPassword }, (s) => this.step.set(STEPS.indexOf(s)));
      this.form.reset();
      await this.router.navigateByUrl('/');
    } catch (error) {
      const field = error instanceof AccountFormError && error.field === 'recoveryKey' ? error.field : null;
      this.fail(errorMessage(error), field);
    } finally {
      this.busy.set(false);
      this.step.set(-1);
    }
  }

  private problem(username: string, recoveryKey: string, newPassword: string, confirmPassword: string):
    { field: Field; message: string } | null {
    if (!username) return { field: 'username', message: 'Enter your username.' };
    if (!USERNAME_PATTERN.test(username)) return { field: 'username', message: 'That is not a valid username.' };
    const keyProblem = recoveryKeyInputProblem(recoveryKey);
    if (keyProblem) return { field: 'recoveryKey', message: keyProblem };
    return newPasswordProblem(newPassword, confirmPassword);
  }

  private fail(message: string, field: Field | null): void {
    this.error.set(message);
    this.invalid.set(field);
    if (field) document.getElementById(field)?.focus();
  }
}
