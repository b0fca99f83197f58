import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/**
 * The logo and name above the signed-out pages. The name is the page's h1 where the page has no heading of its
 * own (the login page); elsewhere the page's own heading is its h1.
 */
@Component({
  selector: 'parley-brand',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'mb-8 flex items-center justify-center gap-3' },
  template: `
    <span class="grid size-11 place-items-center rounded-2xl bg-indigo-600 text-white shadow-lg shadow-indigo-600/30" aria-hidden="true">
      <svg viewBox="0 0 24 24" class="size-6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
        <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" />
        <rect x="9" y="11" width="6" height="5" rx="1" /><path d="M10 11V9.5a2 2 0 0 1 4 0V11" />
      </svg>
    </span>
    <div>
      @if (heading()) {
        <h1 class="text-2xl font-semibold tracking-tight text-slate-900">Parley</h1>
      } @else {
        <p class="text-2xl font-semibold tracking-tight text-slate-900">Parley</p>
      }
      <p class="text-sm text-slate-500">End-to-end encrypted group chat</p>
    </div>
  `,
})
export class ParleyBrand {
  readonly heading = input(false);
}
