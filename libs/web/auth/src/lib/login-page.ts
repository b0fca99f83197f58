import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { DISPLAY_NAME_MAX, USERNAME_PATTERN, USERNAME_RULE } from '@parley/shared/contracts';
import { SessionStore } from '@parley/web/core';
import { loginErrorMessage, registerErrorMessage } from './auth-errors';
import { PASSWORD_MIN } from './account/password-rules';
import { RecoveryKeyPanel } from './account/recovery-key-panel';
import { ParleyBrand } from './account/parley-brand';
import { AuthService, type AuthStep, type NewAccount } from './auth-service';

type Mode = 'login' | 'register';

const STEP_TEXT: Record<AuthStep, string> = {
  prelogin: 'Contacting the server…',
  kdf: 'Protecting your password with Argon2id… this takes a few seconds.',
  keys: 'Creating your encryption keys…',
  server: 'Signing you in…',
  device: 'Setting up this browser as a new device…',
};

/** Log in or create an account. All key derivation happens in this browser. */
@Component({
  selector: 'parley-login-page',
  imports: [ParleyBrand, ReactiveFormsModule, RouterLink, RecoveryKeyPanel],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block min-h-dvh bg-gradient-to-br from-indigo-50 via-white to-sky-50' },
  template: `
    <main class="mx-auto flex min-h-dvh w-full max-w-md flex-col justify-center px-4 py-10">
      <parley-brand [heading]="true" />

      <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-xl shadow-slate-200/60 sm:p-8">
        @if (newAccount(); as created) {
          <parley-recovery-key-panel [recoveryKey]="created.recoveryKey" [username]="createdUsername()"
            (confirmed)="enterApp()" />
        } @else {
          <div role="tablist" aria-label="Account" class="mb-6 grid grid-cols-2 rounded-xl bg-slate-100 p-1 text-sm font-medium">
            @for (tab of tabs; track tab.mode) {
              <button
                type="button"
                role="tab"
                [id]="'tab-' + tab.mode"
                [attr.aria-selected]="mode() === tab.mode"
                [attr.tabindex]="mode() === tab.mode ? 0 : -1"
                aria-controls="auth-panel"
                [disabled]="busy()"
                (click)="switchTo(tab.mode)"
                (keydown)="onTabKey($event)"
                class="rounded-lg px-3 py-2 transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                [class]="mode() === tab.mode ? 'bg-white text-slate-900 shadow-sm' : 'text-slate-500 hover:text-slate-800'"
              >
                {{ tab.label }}
              </button>
            }
          </div>

          <form id="auth-panel" role="tabpanel" [attr.aria-labelledby]="'tab-' + mode()" [formGroup]="form" (ngSubmit)="submit()" novalidate class="space-y-4">
            @if (notice(); as text) {
              <p class="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">{{ text }}</p>
            }

            <div>
              <label for="username" class="mb-1 block text-sm font-medium text-slate-700">Username</label>
              <input id="username" formControlName="username" type="text" autocomplete="username" autocapitalize="none"
                spellcheck="false" required [attr.aria-describedby]="mode() === 'register' ? 'username-hint' : null"
                [attr.aria-invalid]="showInvalid('username')"
                class="block w-full rounded-lg border border-slate-300 px-3 py-2.5 text-slate-900 shadow-sm outline-none transition placeholder:text-slate-400 focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15 aria-[invalid=true]:border-rose-400" />
              @if (mode() === 'register') {
                <p id="username-hint" class="mt-1 text-xs text-slate-500">{{ usernameRule }}</p>
              }
            </div>

            @if (mode() === 'register') {
              <div>
                <label for="displayName" class="mb-1 block text-sm font-medium text-slate-700">Display name</label>
                <input id="displayName" formControlName="displayName" type="text" autocomplete="name" required
                  [attr.maxlength]="displayNameMax" [attr.aria-invalid]="showInvalid('displayName')"
                  class="block w-full rounded-lg border border-slate-300 px-3 py-2.5 text-slate-900 shadow-sm outline-none transition focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15 aria-[invalid=true]:border-rose-400" />
              </div>
            }

            <div>
              <label for="password" class="mb-1 block text-sm font-medium text-slate-700">Password</label>
              <input id="password" formControlName="password" type="password" required
                [attr.autocomplete]="mode() === 'register' ? 'new-password' : 'current-password'"
                [attr.aria-describedby]="mode() === 'register' ? 'password-hint' : null"
                [attr.aria-invalid]="showInvalid('password')"
                class="block w-full rounded-lg border border-slate-300 px-3 py-2.5 text-slate-900 shadow-sm outline-none transition focus:border-indigo-500 focus:ring-4 focus:ring-indigo-500/15 aria-[invalid=true]:border-rose-400" />
              @if (mode() === 'register') {
                <p id="password-hint" class="mt-1 text-xs text-slate-500">
                  At least {{ passwordMin }} characters. It never leaves this device. If you forget it, the recovery key you get next lets you set a new one.
                </p>
              }
            </div>

            @if (error(); as message) {
              <p role="alert" class="flex gap-2 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
                <svg viewBox="0 0 20 20" class="mt-0.5 size-4 shrink-0" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M18 10a8 8 0 1 1-16 0 8 8 0 0 1 16 0Zm-8-5a.75.75 0 0 1 .75.75v4.5a.75.75 0 0 1-1.5 0v-4.5A.75.75 0 0 1 10 5Zm0 10a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z" clip-rule="evenodd"/></svg>
                <span>{{ message }}</span>
              </p>
            }

            <div role="status" aria-live="polite" class="min-h-5 text-sm text-slate-600">
              @if (busy() && stepText(); as text) {
                <span class="flex items-center gap-2">
                  <span class="size-4 animate-spin rounded-full border-2 border-indigo-200 border-t-indigo-600" aria-hidden="true"></span>
                  {{ text }}
                </span>
              }
            </div>

            <button type="submit" [disabled]="busy()"
              class="flex w-full items-center justify-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 font-medium text-white shadow-sm transition hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70">
              {{ mode() === 'register' ? 'Create account' : 'Log in' }}
            </button>

            @if (mode() === 'login') {
              <p class="text-center text-sm">
                <a routerLink="/recover" class="font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                  Forgot password? Use your recovery key
                </a>
              </p>
            }
          </form>
        }
      </section>

      <p class="mt-6 text-center text-xs text-slate-500">
        Messages are encrypted on your device. The server never sees your password or your messages.
      </p>
    </main>
  `,
})
export class LoginPage {
  private readonly auth = inject(AuthService);
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);

  protected readonly tabs: readonly { mode: Mode; label: string }[] = [
    { mode: 'login', label: 'Log in' },
    { mode: 'register', label: 'Create account' },
  ];
  protected readonly usernameRule = `Use ${USERNAME_RULE}.`;
  protected readonly displayNameMax = DISPLAY_NAME_MAX;
  protected readonly passwordMin = PASSWORD_MIN;

  protected readonly mode = signal<Mode>('login');
  protected readonly busy = signal(false);
  protected readonly step = signal<AuthStep | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly submitted = signal(false);
  /** Registered, recovery key on screen, not signed in until the user confirms they saved it. */
  protected readonly newAccount = signal<NewAccount | null>(null);
  protected readonly createdUsername = signal('');
  protected readonly notice = this.session.notice;
  protected readonly stepText = computed(() => {
    const step = this.step();
    return step ? STEP_TEXT[step] : null;
  });

  protected readonly form = inject(FormBuilder).nonNullable.group({
    username: ['', [Validators.required]],
    displayName: [''],
    password: ['', [Validators.required]],
  });

  protected switchTo(mode: Mode): void {
    if (this.busy() || this.mode() === mode) return;
    this.mode.set(mode);
    this.error.set(null);
    this.submitted.set(false);
  }

  protected onTabKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next: Mode = this.mode() === 'login' ? 'register' : 'login';
    this.switchTo(next);
    document.getElementById(`tab-${next}`)?.focus();
  }

  protected showInvalid(field: 'username' | 'displayName' | 'password'): boolean {
    return this.submitted() && this.validate()?.field === field;
  }

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    this.submitted.set(true);
    const problem = this.validate();
    if (problem) {
      this.error.set(problem.message);
      document.getElementById(problem.field)?.focus();
      return;
    }
    const { displayName, password } = this.form.getRawValue();
    const username = this.normalizedUsername();
    this.error.set(null);
    this.session.clearNotice();
    this.busy.set(true);
    const onStep = (step: AuthStep) => this.step.set(step);
    try {
      if (this.mode() === 'register') {
        const created = await this.auth.register({ username, displayName: displayName.trim(), password }, onStep);
        this.form.controls.password.reset();
        this.createdUsername.set(username);
        this.newAccount.set(created);
        return;
      }
      await this.auth.login({ username, password }, onStep);
      this.form.controls.password.reset();
      await this.router.navigateByUrl('/');
    } catch (error) {
      this.error.set(this.mode() === 'register' ? registerErrorMessage(error) : loginErrorMessage(error));
    } finally {
      this.busy.set(false);
      this.step.set(null);
    }
  }

  /** After the recovery key was saved: sign in, forget the key, open the app. */
  protected async enterApp(): Promise<void> {
    const created = this.newAccount();
    if (!created) return;
    created.begin();
    this.newAccount.set(null);
    await this.router.navigateByUrl('/');
  }

  private normalizedUsername(): string {
    return this.form.controls.username.value.trim().toLowerCase();
  }

  private validate(): { field: 'username' | 'displayName' | 'password'; message: string } | null {
    const { displayName, password } = this.form.getRawValue();
    const username = this.normalizedUsername();
    const register = this.mode() === 'register';
    if (!username) return { field: 'username', message: 'Enter your username.' };
    if (!USERNAME_PATTERN.test(username)) {
      return register
        ? { field: 'username', message: `Usernames use ${USERNAME_RULE}.` }
        : { field: 'username', message: 'Wrong username or password.' };
    }
    if (register && !displayName.trim()) return { field: 'displayName', message: 'Enter a display name.' };
    if (!password) return { field: 'password', message: 'Enter your password.' };
    if (register && password.length < PASSWORD_MIN) {
      return { field: 'password', message: `Choose a password of at least ${PASSWORD_MIN} characters.` };
    }
    return null;
  }
}
