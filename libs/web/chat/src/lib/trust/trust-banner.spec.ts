import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { IdentityView } from '@parley/web/core';
import { RoomSecurity } from './room-security';
import { TrustBanner } from './trust-banner';
import { TrustService } from './trust.service';

const ROOM = 'room-1';
const bob = (over: Partial<IdentityView> = {}): IdentityView => ({
  userId: 'bob', displayName: 'Bob', uikPublicKey: 'k', verified: true, changed: true, blocked: true, ...over,
});

function render(changed: IdentityView[] = []) {
  const members = signal(changed);
  const trust = { changedIn: jest.fn(() => members()), acknowledgeChange: jest.fn(async () => members.set([])) };
  TestBed.configureTestingModule({ providers: [{ provide: TrustService, useValue: trust }] });
  const security = TestBed.inject(RoomSecurity);
  const fixture = TestBed.createComponent(TrustBanner);
  fixture.componentRef.setInput('roomId', ROOM);
  const alerts = () => {
    fixture.detectChanges();
    return [...(fixture.nativeElement as HTMLElement).querySelectorAll('[role="alert"]')].map((e) => e.textContent?.replace(/\s+/g, ' ').trim());
  };
  return { fixture, security, trust, alerts };
}

describe('TrustBanner', () => {
  it('shows nothing for a room whose checks passed', () => {
    const { alerts, security } = render();
    security.chainVerified(ROOM, ['me', 'bob']);

    expect(alerts()).toEqual([]);
  });

  it('shows a failed membership check and each rejected room key as red alerts', () => {
    const { alerts, security } = render();
    security.chainFailed(ROOM, 'The server lists mallory.');
    security.epochRejected(ROOM, 'The key for epoch 3 was rejected: sealed to a non-member.', true);

    expect(alerts()).toEqual([
      'Membership could not be verifiedThe server lists mallory.',
      'Room key rejectedThe key for epoch 3 was rejected: sealed to a non-member.',
    ]);
  });

  it('warns about a verified contact’s changed key and confirms it on request', async () => {
    const { alerts, fixture, trust } = render([bob()]);

    expect(alerts()).toEqual([expect.stringMatching(/^Bob’s safety number changed\. You had verified them, so sending .* paused/)]);
    const confirm = [...(fixture.nativeElement as HTMLElement).querySelectorAll('button')].find((b) => b.textContent?.includes('Confirm new key'));
    confirm?.click();
    await fixture.whenStable();

    expect(trust.acknowledgeChange).toHaveBeenCalledWith('bob');
    expect(alerts()).toEqual([]);
  });

  it('offers "Dismiss" (not "Confirm") for an unverified contact, whose change blocks nothing', () => {
    const { fixture, alerts } = render([bob({ verified: false, blocked: false })]);

    expect(alerts()).toEqual([expect.stringMatching(/Compare safety numbers again\. Verify Dismiss$/)]);
    expect((fixture.nativeElement as HTMLElement).textContent).not.toContain('Confirm new key');
  });
});
