/** Shared fixtures for the specs (not exported from the package). */
import { createDeviceCert, DeviceKeys, generateDeviceKeys } from './device-cert';
import { b64uDecode, b64uEncode } from './encoding';
import { generateIdentity, IdentityKeys } from './identity';
import { DeviceCert } from './types';

export interface TestUser {
  userId: string;
  identity: IdentityKeys;
  device: DeviceKeys;
  cert: DeviceCert;
}

export async function makeUser(userId: string, listVersion = 1): Promise<TestUser> {
  const identity = await generateIdentity();
  const device = await generateDeviceKeys();
  const cert = await createDeviceCert(identity, userId, device, listVersion);
  return { userId, identity, device, cert };
}

/** Flips one bit of byte `i` of a base64url value. */
export function flipB64u(value: string, i: number, mask = 1): string {
  const bytes = b64uDecode(value);
  bytes[i] ^= mask;
  return b64uEncode(bytes);
}

/** A shallow copy of `obj` without `key`. */
export function omit<T extends object, K extends keyof T>(obj: T, key: K): Omit<T, K> {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}
