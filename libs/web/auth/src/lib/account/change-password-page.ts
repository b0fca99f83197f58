import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { errorMessage, SessionStore } from '@parley/web/core';
import { AccountFormError, AccountService, type ChangePasswordStep } from './account-service';
import { INPUT_CLASS, LABEL_CLASS, PRIMARY_BUTTON_CLASS } from './form-styles';
import { NewPasswordFields } from './new-password-fields';
import { newPasswordProblem } from './password-rules';
import { StepProgress } from './step-progress';

type Field = 'currentPassword' | 'newPassword' | 'confirmPassword';

const STEPS: readonly ChangePasswordStep[] = ['backup', 'current', 'new', 'server'];
const STEP_TEXT: readonly string[] = [
  'Fetching your account backup…',
  'Checking your current password with Argon2id… this takes a few seconds.',
  'Protecting your new password with Argon2id… a few seconds more.',
  'Saving the new password…',
];

/**
 * Change my password (route `/account`). Both passwords go through Argon2id in a Web Worker; the account backup key
 * is re-wrapped here and the server only gets auth secrets and the new wrap. Other sessions end.
 */
@Component({
  selector: 'parley-change-password-page',
  imports: [ReactiveFormsModule, RouterLink, NewPasswordFields, StepProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block min-h-dvh bg-slate-50' },
  template: `
    <main class="mx-auto w-full max-w-lg px-4 py-8">
      <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
        <h1 class="text-xl font-semibold text-slate-900">Account</h1>
        <nav aria-label="Account" class="flex gap-4 text-sm font-medium">
          <a routerLink="/sessions" class="text-indigo-700 hover:underline">Sessions</a>
          <a routerLink="/" class="text-indigo-700 hover:underline">Back to chats</a>
        </nav>
      </div>

      <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8" aria-labelledby="change-password-title">
        <h2 id="change-password-title" class="mb-1 text-lg font-semibold text-slate-900">Change password</h2>
        <p class="mb-6 text-sm text-slate-600">
          Your password unlocks your keys on new devices. Changing it signs out every other browser; your recovery
          key stays valid.
        </p>

        @if (done()) {
          <div role="status" class="space-y-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
            <p class="font-medium">Your password was changed.</p>
            <p>Every other browser signed in to your account was signed out. Log in there with the new password. This browser stays signed in.</p>
          </div>
        } @else {
          <form [formGroup]="form" (ngSubmit)="submit()" novalidate class="space-y-4">
            <input type="text" name="username" autocomplete="username" [value]="username()" readonly hidden />
            <div>
              <label for="currentPassword" [class]="labelClass">Current password</label>
              <input id="currentPassword" formControlName="currentPassword" type="password" autocomplete="current-password"
                required [attr.aria-invalid]="invalid() === 'currentPassword'" [class]="inputClass" />
            </div>
            <parley-new-password-fields [invalid]="invalid()" />

            @if (error(); as message) {
              <p role="alert" class="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">{{ message }}</p>
            }
            <div aria-live="polite" class="min-h-5">
              <parley-step-progress [steps]="stepText" [current]="step()" label="Changing the password" />
            </div>

            <button type="submit" [disabled]="busy()" [class]="primaryButton">Change password</button>
          </form>
        }
      </section>
    </main>
  `,
})
export class ChangePasswordPage {
  private readonly account = inject(AccountService);
  private readonly session = inject(SessionStore);

  protected readonly inputClass = INPUT_CLASS;
  protected readonly labelClass = LABEL_CLASS;
  protected readonly primaryButton = PRIMARY_BUTTON_CLASS;
  protected readonly stepText = STEP_TEXT;

  protected readonly busy = signal(false);
  protected readonly step = signal(-1);
  protected readonly error = signal<string | null>(null);
  protected readonly invalid = signal<Field | null>(null);
  protected readonly done = signal(false);
  /** For password managers: which account the new password belongs to. */
  protected readonly username = computed(() => this.session.user()?.username ?? '');

  protected readonly form = inject(FormBuilder).nonNullable.group({
    currentPassword: [''],
    newPassword: [''],
    confirmPassword: [''],
  });

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    const { currentPassword, newPassword, confirmPassword } = this.form.getRawValue();
    const problem: { field: Field; message: string } | null = !currentPassword
      ? { field: 'currentPassword', message: 'Enter your current password.' }
      : newPasswordProblem(newPassword, confirmPassword, currentPassword);
    if (problem) {
      this.fail(problem.message, problem.field);
      return;
    }
    this.error.set(null);
    this.invalid.set(null);
    this.busy.set(true);
    try {
      await this.account.changePassword({ currentPassword, newPassword }, (s) => this.step.set(STEPS.indexOf(s)));
      this.form.reset();
      this.done.set(true);
    } catch (error) {
      const field = error instanceof AccountFormError && error.field === 'currentPassword' ? error.field : null;
      this.fail(errorMessage(error), field);
    } finally {
      this.busy.set(false);
      this.step.set(-1);
    }
  }

  private fail(message: string, field: Field | null): void {
    this.error.set(message);
    this.invalid.set(field);
    if (field) document.getElementById(field)?.focus();
  }
}
