import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { errorMessage } from '@parley/web/core';
import { RoomSecurity } from './room-security';
import { SafetyNumberDialog } from './safety-number-dialog';
import { TrustService } from './trust.service';

/**
 * The room's security warnings: a membership history or member list that failed verification, rejected epoch
 * keys (both disable sending), and contacts whose identity key changed (blocking for verified contacts).
 */
@Component({
  selector: 'parley-trust-banner',
  imports: [SafetyNumberDialog],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block empty:hidden' },
  template: `
    @if (state().chainError; as message) {
      <div role="alert" class="mx-3 mt-3 rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-900 sm:mx-6">
        <p class="font-semibold">Membership could not be verified</p>
        <p class="mt-0.5">{{ message }}</p>
      </div>
    }
    @for (message of state().epochErrors; track message) {
      <div role="alert" class="mx-3 mt-3 rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-900 sm:mx-6">
        <p class="font-semibold">Room key rejected</p>
        <p class="mt-0.5">{{ message }}</p>
      </div>
    }
    @for (member of changed(); track member.userId) {
      <div role="alert" class="mx-3 mt-3 flex flex-wrap items-center gap-x-3 gap-y-2 rounded-lg border px-3 py-2 text-sm sm:mx-6"
        [class]="member.blocked ? 'border-rose-300 bg-rose-50 text-rose-900' : 'border-amber-300 bg-amber-50 text-amber-900'">
        <p class="min-w-0 flex-1">
          <span class="font-semibold">{{ member.displayName }}’s safety number changed.</span>
          @if (member.blocked) {
            You had verified them, so sending in rooms with them is paused until you confirm the change.
          } @else {
            They may have reinstalled Parley, or someone may be intercepting. Compare safety numbers again.
          }
        </p>
        <span class="flex gap-2">
          <button type="button" (click)="selected.set(member.userId)"
            class="rounded-md border border-current/30 bg-white px-2 py-1 text-xs font-medium hover:bg-white/60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
            Verify
          </button>
          <button type="button" (click)="acknowledge(member.userId)"
            class="rounded-md border border-current/30 bg-white px-2 py-1 text-xs font-medium hover:bg-white/60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
            {{ member.blocked ? 'Confirm new key' : 'Dismiss' }}
          </button>
        </span>
      </div>
    }
    @if (error(); as message) {
      <p role="alert" class="mx-3 mt-2 text-sm text-rose-700 sm:mx-6">{{ message }}</p>
    }
    @if (selected(); as userId) {
      <parley-safety-number-dialog [userId]="userId" (closed)="selected.set(null)" />
    }
  `,
})
export class TrustBanner {
  private readonly security = inject(RoomSecurity);
  private readonly trust = inject(TrustService);
  readonly roomId = input.required<string>();
  protected readonly selected = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly state = computed(() => this.security.state(this.roomId()));
  protected readonly changed = computed(() => this.trust.changedIn(this.roomId()));

  protected async acknowledge(userId: string): Promise<void> {
    this.error.set(null);
    try {
      await this.trust.acknowledgeChange(userId);
    } catch (error) {
      this.error.set(errorMessage(error));
    }
  }
}
