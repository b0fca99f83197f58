import { BadRequestException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { type AuthUser, CORE_CONFIG, type CoreConfig, FreshReads } from '@parley/server/core';
import { API, type PublicProfile } from '@parley/shared/contracts';

/**
 * Which devices of a user are live (certified and not revoked), from the auth service's public profile. Sockets
 * ask once at connect and keep the answer (updated by `user.device.revoked` on the bus), so `message:send` makes
 * no call; a device certified after the socket connected is looked up once more before a send is refused.
 */
@Injectable()
export class DeviceDirectory {
  /** A user's sockets that connect at once share calls (see FreshReads). */
  private readonly profiles = new FreshReads<PublicProfile>();

  constructor(@Inject(CORE_CONFIG) private readonly config: CoreConfig) {}

  /** deviceId → live (a map of the caller's own). Throws 503 when auth does not answer. */
  async devicesOf(user: AuthUser): Promise<Map<string, boolean>> {
    const profile = await this.profiles.get(user.userId, () => this.fetchProfile(user));
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
   * Throws 400 unless `deviceId` is a live device of the user. `known` is a cached answer; it is refreshed (and
   * returned) when it does not know the device yet.
   */
  async assertLive(user: AuthUser, deviceId: string, known?: Map<string, boolean>): Promise<Map<string, boolean>> {
    let devices = known;
    if (!devices?.has(deviceId)) devices = await this.devicesOf(user);
    if (devices.get(deviceId) !== true) throw new BadRequestException('senderDeviceId is not a live device of yours');
    return devices;
  }
}
