import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { PublicProfile, UserSummary } from '@parley/shared/contracts';
import type { DeviceCert } from '@parley/shared/crypto';
import { UserIdTakenError, UserRepository } from './user.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UserRepository) {}

  /**
   * Exact username match for now: enough to invite someone by name without exposing a directory.
   * Prefix search with paging and rate limits comes with the auth issue.
   */
  async search(query: string): Promise<UserSummary[]> {
    const user = await this.users.findByUsername(query.trim().toLowerCase());
    return user ? [{ userId: user.userId, username: user.username, displayName: user.displayName }] : [];
  }

  async profile(userId: string): Promise<PublicProfile> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('no such user');
    return {
      userId: user.userId,
      username: user.username,
      displayName: user.displayName,
      uikPublicKey: user.uikPublicKey,
      devices: await this.users.listDevices(userId),
    };
  }

  /**
   * Adds a device certificate. The server checks only what it can (owner, version order); clients verify the
   * UIK signature, which is what makes a device trusted.
   */
  async addDevice(userId: string, cert: DeviceCert): Promise<DeviceCert> {
    if (cert.userId !== userId) throw new BadRequestException('deviceCert.userId must be your userId');
    const existing = await this.users.listDevices(userId);
    const highest = existing.reduce((max, d) => Math.max(max, d.listVersion), 0);
    if (cert.listVersion <= highest) {
      throw new ConflictException(`listVersion must be greater than ${highest}`);
    }
    try {
      await this.users.addDevice(cert);
    } catch (err) {
      if (err instanceof UserIdTakenError) throw new ConflictException('that deviceId exists; generate another');
      throw err;
    }
    return cert;
  }
}
