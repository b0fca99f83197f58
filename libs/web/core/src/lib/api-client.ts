import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom, Observable } from 'rxjs';
import {
  API,
  AUTH_API,
  ACCOUNT_API,
  type AuthResponse,
  type ChangePasswordDto,
  type DeviceList,
  type RecoveryChallenge,
  type RecoveryFinishDto,
  type VersionedBackup,
  type SessionInfo,
  type HistoryPage,
  type PublicProfile,
  type RegisterDto,
  type RoomDetail,
  type RoomSummary,
  type UserSummary,
} from '@parley/shared/contracts';
import type { DeviceCert, EpochKeyEnvelope, KdfParams, RoomOp } from '@parley/shared/crypto';
import { toApiRequestError } from './api-error';

function bearer(token?: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit?: number;
}

/**
 * The REST API of DESIGN §4, with relative URLs only. Every method resolves with the body or rejects with an
 * ApiRequestError whose message can be shown as is. The bearer token is added by `authInterceptor`.
 */
@Injectable({ providedIn: 'root' })
export class ApiClient {
  private readonly http = inject(HttpClient);

  prelogin(username: string): Promise<KdfParams> {
    return this.call(this.http.post<KdfParams>(API.prelogin, { username }));
  }

  register(body: RegisterDto): Promise<AuthResponse> {
    return this.call(this.http.post<AuthResponse>(API.register, body));
  }

  login(username: string, authSecret: string): Promise<AuthResponse> {
    return this.call(this.http.post<AuthResponse>(API.login, { username, authSecret }));
  }

  searchUsers(prefix: string): Promise<UserSummary[]> {
    return this.call(this.http.get<UserSummary[]>(API.users, { params: { search: prefix } }));
  }

  /** `token` is for calls made before the session starts (setting up a new device during login). */
  getProfile(userId: string, token?: string): Promise<PublicProfile> {
    return this.call(this.http.get<PublicProfile>(API.user(userId), { headers: bearer(token) }));
  }

  addDevice(deviceCert: DeviceCert, token?: string): Promise<unknown> {
    return this.call(this.http.post(ACCOUNT_API.devices, { deviceCert }, { headers: bearer(token) }));
  }

  /** My devices (revocations included) and the current list version. */
  listDevices(): Promise<DeviceList> {
    return this.call(this.http.get<DeviceList>(ACCOUNT_API.devices));
  }

  /** Revokes a device with its UIK-signed revocation certificate. */
  revokeDevice(revocation: DeviceCert): Promise<unknown> {
    return this.call(this.http.delete(ACCOUNT_API.device(revocation.deviceId), { body: { deviceCert: revocation } }));
  }

  /** My account backup (wrapped ABK, secret bundle) with the version a change must name. */
  getBackup(): Promise<VersionedBackup> {
    return this.call(this.http.get<VersionedBackup>(ACCOUNT_API.backup));
  }

  /** New password: both auth secrets and the re-wrapped ABK; every other session of the account ends. */
  changePassword(body: ChangePasswordDto): Promise<{ backupVersion: number }> {
    return this.call(this.http.post<{ backupVersion: number }>(ACCOUNT_API.password, body));
  }

  /** Recovery, step 1 (no session): a challenge and the recovery-wrapped backup. */
  recoveryStart(username: string): Promise<RecoveryChallenge> {
    return this.call(this.http.post<RecoveryChallenge>(ACCOUNT_API.recoveryStart, { username }));
  }

  /** Recovery, step 2: the identity key's proof and the new password; answers with a new session. */
  recoveryFinish(body: RecoveryFinishDto): Promise<AuthResponse> {
    return this.call(this.http.post<AuthResponse>(ACCOUNT_API.recoveryFinish, body));
  }

  /** The browsers signed in to my account. */
  listSessions(): Promise<SessionInfo[]> {
    return this.call(this.http.get<SessionInfo[]>(AUTH_API.sessions));
  }

  revokeSession(sessionId: string): Promise<unknown> {
    return this.call(this.http.delete(AUTH_API.session(sessionId)));
  }

  createRoom(body: { roomId: string; name: string; createOp: RoomOp }): Promise<RoomSummary> {
    return this.call(this.http.post<RoomSummary>(API.rooms, body));
  }

  listRooms(): Promise<RoomSummary[]> {
    return this.call(this.http.get<RoomSummary[]>(API.rooms));
  }

  getRoom(roomId: string): Promise<RoomDetail> {
    return this.call(this.http.get<RoomDetail>(API.room(roomId)));
  }

  getOps(roomId: string): Promise<RoomOp[]> {
    return this.call(this.http.get<RoomOp[]>(API.roomOps(roomId)));
  }

  postOp(op: RoomOp): Promise<unknown> {
    return this.call(this.http.post(API.roomOps(op.roomId), op));
  }

  getEpochs(roomId: string, since = 0): Promise<EpochKeyEnvelope[]> {
    return this.call(
      this.http.get<EpochKeyEnvelope[]>(API.roomEpochs(roomId), { params: { since: String(since) } }),
    );
  }

  postEpoch(envelope: EpochKeyEnvelope): Promise<unknown> {
    return this.call(this.http.post(API.roomEpochs(envelope.roomId), envelope));
  }

  getMessages(roomId: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    let params = new HttpParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params = params.set(key, String(value));
    }
    return this.call(this.http.get<HistoryPage>(API.roomMessages(roomId), { params }));
  }

  private async call<T>(request: Observable<T>): Promise<T> {
    try {
      return await firstValueFrom(request);
    } catch (error) {
      throw toApiRequestError(error);
    }
  }
}
