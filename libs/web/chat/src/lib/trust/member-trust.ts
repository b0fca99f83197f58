import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { SafetyNumberDialog } from './safety-number-dialog';
import { TrustService } from './trust.service';

/** The room's other members with their trust state and a "Verify" action each (opens the safety number). */
@Component({
  selector: 'parley-member-trust',
  imports: [SafetyNumberDialog],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (members().length > 0) {
      <details class="group text-sm">
        <summary class="inline-flex cursor-pointer list-none items-center gap-1 rounded-md text-xs font-medium text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          <svg viewBox="0 0 20 20" class="size-3.5 transition group-open:rotate-90" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M7.2 14.8a.75.75 0 0 1 0-1.06L10.94 10 7.2 6.26a.75.75 0 1 1 1.06-1.06l4.27 4.27a.75.75 0 0 1 0 1.06L8.26 14.8a.75.75 0 0 1-1.06 0Z" clip-rule="evenodd"/></svg>
          Safety numbers
        </summary>
        <ul class="mt-2 divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
          @for (member of members(); track member.userId) {
            <li class="flex items-center gap-2 px-3 py-2">
              <span class="min-w-0 flex-1 truncate text-slate-800">{{ member.displayName }}</span>
              @if (member.blocked) {
                <span class="rounded-full bg-rose-50 px-2 py-0.5 text-xs font-medium text-rose-700">Key changed</span>
              } @else if (member.verified) {
                <span class="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700">Verified</span>
              } @else {
                <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">Not verified</span>
              }
              <button type="button" (click)="selected.set(member.userId)" [attr.aria-label]="'Verify ' + member.displayName"
                class="rounded-lg border border-slate-200 px-2.5 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                Verify
              </button>
            </li>
          }
        </ul>
      </details>
    }
    @if (selected(); as userId) {
      <parley-safety-number-dialog [userId]="userId" (closed)="selected.set(null)" />
    }
  `,
})
export class MemberTrust {
  private readonly trust = inject(TrustService);
  readonly roomId = input.required<string>();
  protected readonly selected = signal<string | null>(null);
  protected readonly members = computed(() => this.trust.members(this.roomId()));
}
