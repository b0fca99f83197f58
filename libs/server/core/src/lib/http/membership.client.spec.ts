import { ForbiddenException } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoomDetail } from '@parley/shared/contracts';
import type { AuthUser } from '../auth/token-verifier';
import { MemoryBus } from '../bus/memory-bus';
import type { CoreConfig } from '../config/core.config';
import { MembershipClient } from './membership.client';

const user = (name: string): AuthUser => ({ userId: name.padEnd(22, 'A'), username: name, sessionId: `s-${name}`, token: `tok-${name}` });
const [alice, bob, carol] = [user('alice'), user('bob'), user('carol')];

/**
 * A stand-in for the rooms service's room route: answers members with the room and anyone else 404, as rooms does,
 * and records each call with its token.
 */
async function fakeRooms(members: Set<string>): Promise<{ server: Server; calls: string[]; config: CoreConfig }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const token = req.headers.authorization?.replace('Bearer tok-', '') ?? '';
    calls.push(token);
    const caller = [alice, bob, carol].find((u) => u.username === token);
    if (!caller || !members.has(caller.userId)) {
      res.statusCode = 404;
      res.end('{}');
      return;
    }
    const room: RoomDetail = { roomId: req.url?.split('/').pop() ?? '', name: 'r', kind: 'group', createdBy: alice.userId, currentEpoch: 1,
      role: caller === alice ? 'owner' : 'member',
      members: [...members].map((userId) => ({ userId, role: userId === alice.userId ? 'owner' : 'member', joinedEpoch: 1 })) };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(room));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, calls, config: { ROOMS_URL: `http://127.0.0.1:${port}` } as CoreConfig };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('MembershipClient', () => {
  let rooms: Awaited<ReturnType<typeof fakeRooms>>;
  let members: Set<string>;
  let bus: MemoryBus;
  let client: MembershipClient;

  beforeEach(async () => {
    members = new Set([alice.userId, bob.userId]);
    rooms = await fakeRooms(members);
    bus = new MemoryBus();
    client = new MembershipClient(rooms.config, bus);
    await client.onModuleInit();
  });
  afterEach(() => new Promise((resolve) => rooms.server.close(resolve)));

  it('asks rooms once per room: every member listed in the kept detail gets in with their own role', async () => {
    expect((await client.assertMember(alice, 'r1')).role).toBe('owner');
    const again = await Promise.all([client.assertMember(alice, 'r1'), client.assertMember(bob, 'r1')]);
    expect(again.map((r) => r.role)).toEqual(['owner', 'member']);
    expect(rooms.calls).toEqual(['alice']);
  });

  it('asks rooms, on their own token, about a user the kept detail does not list, and refuses a non-member', async () => {
    await client.assertMember(alice, 'r1');
    await expect(client.assertMember(carol, 'r1')).rejects.toBeInstanceOf(ForbiddenException);
    await expect(client.assertMember(carol, 'r1')).rejects.toBeInstanceOf(ForbiddenException);
    expect(rooms.calls).toEqual(['alice', 'carol', 'carol']);
  });

  it('lets in a member added after the detail was kept', async () => {
    await client.assertMember(alice, 'r1');
    members.add(carol.userId); // rooms added carol; its bus event has not arrived yet
    expect((await client.assertMember(carol, 'r1')).members.map((m) => m.userId)).toContain(carol.userId);
    expect(rooms.calls).toEqual(['alice', 'carol']);
  });

  it('refuses a removed member once room.member.removed has arrived, though they were kept as a member', async () => {
    await client.assertMember(bob, 'r1');
    members.delete(bob.userId);
    await bus.publish('room.member.removed', { roomId: 'r1', userId: bob.userId, by: alice.userId });
    await tick();
    await expect(client.assertMember(bob, 'r1')).rejects.toBeInstanceOf(ForbiddenException);
    expect(rooms.calls).toEqual(['bob', 'bob']);
  });

  it('keeps nothing of another room', async () => {
    await client.assertMember(alice, 'r1');
    expect((await client.assertMember(alice, 'r2')).roomId).toBe('r2');
    expect(rooms.calls).toEqual(['alice', 'alice']);
  });
});
