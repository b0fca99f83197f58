import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { PresenceView } from './presence-store';

const COLORS: Record<PresenceView | 'invisible', string> = {
  online: 'bg-emerald-500',
  away: 'bg-amber-400',
  busy: 'bg-rose-500',
  offline: 'bg-slate-300',
  invisible: 'border-2 border-slate-400 bg-white',
};

export const STATUS_LABELS: Record<PresenceView | 'invisible', string> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  offline: 'Offline',
  invisible: 'Invisible',
};

/** A presence dot; its status is also in text for screen readers (and as a tooltip). */
@Component({
  selector: 'parley-presence-dot',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'inline-flex shrink-0', '[attr.data-presence]': 'status()', '[attr.title]': 'label()' },
  template: `
    <span class="size-2.5 rounded-full ring-2 ring-white" [class]="color()" aria-hidden="true"></span>
    <span class="sr-only">({{ label() }})</span>
  `,
})
export class PresenceDot {
  readonly status = input.required<PresenceView | 'invisible'>();
  protected readonly color = computed(() => COLORS[this.status()]);
  protected readonly label = computed(() => STATUS_LABELS[this.status()]);
}
