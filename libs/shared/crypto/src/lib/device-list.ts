/**
 * A user's device list: the UIK-signed DeviceCerts the server hands out, checked as a whole.
 *
 * Each cert carries the `listVersion` at which it was issued; a revocation is a re-issued cert with
 * `revoked: true` under a higher version. Per device the newest cert counts, and a revocation is final. Against
 * what this client saw before (`DeviceListState`, kept in the trust store) the list may only move forward: a lower
 * version, or a device we saw revoked shown as active again, is a rollback by the server.
 */
import { verifyDeviceCert } from './device-cert';
import { CryptoFormatError, DeviceListError } from './errors';
import { B64u, DeviceCert } from './types';

export interface DeviceListState {
  listVersion: number;
  /** deviceIds seen revoked (revocation is permanent). */
  revoked: string[];
}

export interface VerifiedDeviceList {
  userId: string;
  uik: B64u;
  listVersion: number;
  /** Current, non-revoked certificates: the devices to trust and to seal epoch keys to. */
  active: DeviceCert[];
  /** The newest certificate of each revoked device. */
  revoked: DeviceCert[];
  /** What to persist for the next check. */
  state: DeviceListState;
}

/**
 * Verifies every certificate against the UIK and folds them into the current device list. Bad signature →
 * SignatureError; a cert of another user, two different certs for one device and version, a revoked device
 * re-activated or the list going backwards → DeviceListError.
 */
export async function verifyDeviceList(
  userId: string,
  uikPublic: B64u,
  certs: readonly DeviceCert[],
  previous?: DeviceListState,
): Promise<VerifiedDeviceList> {
  if (!Array.isArray(certs)) throw new CryptoFormatError('device list: expected an array');
  const byDevice = new Map<string, DeviceCert[]>();
  for (const cert of certs) {
    await verifyDeviceCert(cert, uikPublic);
    if (cert.userId !== userId) throw new DeviceListError('wrong-user', `device list: a cert of ${cert.userId} in ${userId}'s list`);
    const list = byDevice.get(cert.deviceId) ?? [];
    list.push(cert);
    byDevice.set(cert.deviceId, list);
  }
  const active: DeviceCert[] = [];
  const revoked: DeviceCert[] = [];
  let listVersion = 0;
  for (const [deviceId, list] of byDevice) {
    list.sort((a, b) => b.listVersion - a.listVersion);
    const newest = list[0];
    if (list.length > 1 && list[1].listVersion === newest.listVersion && list[1].uikSig !== newest.uikSig) {
      throw new DeviceListError('duplicate', `device list: two certificates for ${deviceId} at version ${newest.listVersion}`);
    }
    const revocation = list.find((c) => c.revoked);
    if (revocation && !newest.revoked) {
      throw new DeviceListError('unrevoked', `device list: ${deviceId} was revoked and cannot be re-activated`);
    }
    if (list.some((c) => c.sigKey !== newest.sigKey || c.kemKey !== newest.kemKey)) {
      throw new DeviceListError('duplicate', `device list: ${deviceId} is certified with two different keys`);
    }
    listVersion = Math.max(listVersion, newest.listVersion);
    (newest.revoked ? revoked : active).push(newest);
  }
  if (previous) {
    if (listVersion < previous.listVersion) {
      throw new DeviceListError('rollback', `device list: version ${listVersion} is older than ${previous.listVersion} seen before`);
    }
    for (const id of previous.revoked) {
      if (active.some((c) => c.deviceId === id)) {
        throw new DeviceListError('unrevoked', `device list: ${id} was seen revoked and is shown as active again`);
      }
    }
  }
  const revokedIds = new Set([...(previous?.revoked ?? []), ...revoked.map((c) => c.deviceId)]);
  return {
    userId,
    uik: uikPublic,
    listVersion,
    active,
    revoked,
    state: { listVersion: Math.max(listVersion, previous?.listVersion ?? 0), revoked: [...revokedIds].sort() },
  };
}

/** The listVersion for the next certificate a user issues (new device or revocation). */
export function nextListVersion(certs: readonly DeviceCert[]): number {
  return certs.reduce((max, c) => Math.max(max, c.listVersion), 0) + 1;
}
