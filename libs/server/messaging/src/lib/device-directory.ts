import { BadRequestException, Inject, Injectable, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { type AuthUser, Bus, CORE_CONFIG, type CoreConfig, FreshReads, KeptAnswers } from '@parley/server/core';
import { API, type PublicProfile } from '@parley/shared/contracts';

/**
 * Which devices of a user are live (certified and not revoked), from the auth service's public profile. Sockets
 * ask once at connect and keep the answer (updated by `user.device.revoked` on the bus), so `message:send` makes
 * no call; a device certified after the socket connected is looked up once more before a send is refused.
 * The profile is kept per user until the bus says a device of theirs was revoked, so a user's further sockets make
 * no call either.
 */
@Injectable()
export class DeviceDirectory implements OnModuleInit {
  private readonly kept = new KeptAnswers<PublicProfile>({ max: 10_000, ttlMs: 60_000 });
  /** A user's sockets that connect at once share calls (see FreshReads). */
  private readonly profiles = new FreshReads<PublicProfile>();

  constructor(@Inject(CORE_CONFIG) private readonly config: CoreConfig, private readonly bus: Bus) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe('user.device.revoked', ({ userId }) => this.kept.invalidate(userId));
    this.bus.onResumed(() => this.kept.clear());
  }

  /** deviceId → live (a map of the caller's own). `fresh`: ask auth even if an answer is kept. Throws 503 when auth does not answer. */
  async devicesOf(user: AuthUser, fresh = false): Promise<Map<string, boolean>> {
    const read = () => this.profiles.get(user.userId, () => this.fetchProfile(user));
    const profile = await (fresh ? this.kept.refresh(user.userId, read) : this.kept.get(user.userId, read));
    return new Map(profile.devices.map((d) => [d.deviceId, d.revoked !== true]));
  }

  private async fetchProfile(user: AuthUser): Promise<PublicProfile> {
    let response: Response;
    try {
      response = await fetch(new URL(API.user(user.userId), this.config.AUTH_JWKS_URL), {
        headers: { authorization: `Bearer ${user.token}` }, signal: AbortSignal.timeout(5_000),
      });
    } catch {
      throw new ServiceUnavailableException('the auth service did not answer; try again');
    }
    if (!response.ok) throw new ServiceUnavailableException(`the auth service answered ${response.status}; try again`);
    return (await response.json()) as PublicProfile;
  }

  /**
   * Throws 400 unless `deviceId` is a live device of the user. `known` is the socket's answer (the kept one when
   * there is none); when it does not know the device, auth is asked again (the device may have been certified
   * since) and the new answer returned.
   */
  async assertLive(user: AuthUser, deviceId: string, known?: Map<string, boolean>): Promise<Map<string, boolean>> {
    let devices = known ?? (await this.devicesOf(user));
    if (!devices.has(deviceId)) devices = await this.devicesOf(user, true);
    if (devices.get(deviceId) !== true) throw new BadRequestException('senderDeviceId is not a live device of yours');
    return devices;
  }
}
