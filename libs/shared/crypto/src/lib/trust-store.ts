/**
 * Trust on first use, key-change detection and the "verified" mark (DESIGN §3, "Trust").
 *
 * The first identity key (UIK) seen for a user is pinned. A different key later is a change: for an unverified
 * contact it is re-pinned at once and reported (show a warning); for a contact the user marked verified the old
 * pin stays, the new key waits in `pendingUik`, and `assertCanSend` throws IdentityChangedError until the user
 * acknowledges the change (after comparing safety numbers again). The store also keeps each user's device-list
 * state (listVersion, revoked devices) so that the server cannot roll a list back.
 */
import { DeviceListState, verifyDeviceList, VerifiedDeviceList } from './device-list';
import { CryptoFormatError, IdentityChangedError } from './errors';
import { B64u, DeviceCert } from './types';

export interface TrustRecord {
  userId: string;
  /** The pinned identity key. */
  uik: B64u;
  firstSeenAt: number;
  verified: boolean;
  /** A new key seen for a verified contact, waiting for the user's acknowledgement. */
  pendingUik?: B64u;
  /** When the key last changed (pinned or pending). */
  changedAt?: number;
  deviceList?: DeviceListState;
}

/** Where trust records live. Implementations: MemoryTrustStore (tests, Node) and IndexedDbTrustStore (browser). */
export interface TrustStore {
  get(userId: string): Promise<TrustRecord | undefined>;
  put(record: TrustRecord): Promise<void>;
  delete(userId: string): Promise<void>;
  list(): Promise<TrustRecord[]>;
}

const clone = (r: TrustRecord): TrustRecord => JSON.parse(JSON.stringify(r)) as TrustRecord;

export class MemoryTrustStore implements TrustStore {
  private readonly records = new Map<string, TrustRecord>();

  async get(userId: string): Promise<TrustRecord | undefined> {
    const r = this.records.get(userId);
    return r ? clone(r) : undefined;
  }

  async put(record: TrustRecord): Promise<void> {
    this.records.set(record.userId, clone(record));
  }

  async delete(userId: string): Promise<void> {
    this.records.delete(userId);
  }

  async list(): Promise<TrustRecord[]> {
    return [...this.records.values()].map(clone);
  }
}

/** IndexedDB-backed store (browser). One object store keyed by userId. */
export class IndexedDbTrustStore implements TrustStore {
  private db?: Promise<IDBDatabase>;

  constructor(
    private readonly dbName = 'parley-trust',
    private readonly storeName = 'identities',
  ) {}

  async get(userId: string): Promise<TrustRecord | undefined> {
    const store = (await this.open()).transaction(this.storeName, 'readonly').objectStore(this.storeName);
    return (await request<TrustRecord | undefined>(store.get(userId))) ?? undefined;
  }

  async put(record: TrustRecord): Promise<void> {
    const tx = (await this.open()).transaction(this.storeName, 'readwrite');
    tx.objectStore(this.storeName).put(clone(record));
    await complete(tx);
  }

  async delete(userId: string): Promise<void> {
    const tx = (await this.open()).transaction(this.storeName, 'readwrite');
    tx.objectStore(this.storeName).delete(userId);
    await complete(tx);
  }

  async list(): Promise<TrustRecord[]> {
    const store = (await this.open()).transaction(this.storeName, 'readonly').objectStore(this.storeName);
    return request<TrustRecord[]>(store.getAll());
  }

  close(): void {
    void this.db?.then((db) => db.close());
    this.db = undefined;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
      if (!idb) {
        reject(new CryptoFormatError('trust store: IndexedDB is not available'));
        return;
      }
      const req = idb.open(this.dbName, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(this.storeName)) req.result.createObjectStore(this.storeName, { keyPath: 'userId' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('trust store: cannot open IndexedDB'));
    });
    this.db.catch(() => (this.db = undefined));
    return this.db;
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error ?? new Error('trust store: request failed'));
  });
}

function complete(tx: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('trust store: transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('trust store: transaction aborted'));
  });
}

export type TrustState = 'new' | 'trusted' | 'changed';

export interface TrustStatus {
  state: TrustState;
  verified: boolean;
  /** Sending to this user is blocked until `acknowledgeChange`. */
  blocked: boolean;
  /** The key pinned before a change. */
  previousUik?: B64u;
}

/** The trust rules on top of a TrustStore. */
export class TrustManager {
  constructor(
    private readonly store: TrustStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call for every UIK the server presents for a user. */
  async observe(userId: string, uik: B64u): Promise<TrustStatus> {
    const r = await this.store.get(userId);
    if (!r) {
      await this.store.put({ userId, uik, firstSeenAt: this.now(), verified: false });
      return { state: 'new', verified: false, blocked: false };
    }
    if (r.uik === uik) {
      return r.pendingUik ? { state: 'changed', verified: r.verified, blocked: true } : { state: 'trusted', verified: r.verified, blocked: false };
    }
    if (r.pendingUik === uik) return { state: 'changed', verified: r.verified, blocked: true, previousUik: r.uik };
    if (r.verified) {
      await this.store.put({ ...r, pendingUik: uik, changedAt: this.now() });
      return { state: 'changed', verified: true, blocked: true, previousUik: r.uik };
    }
    // Unverified: the new key replaces the pin (warn the user); the device list starts over with the new key.
    await this.store.put({ userId, uik, firstSeenAt: r.firstSeenAt, verified: false, changedAt: this.now() });
    return { state: 'changed', verified: false, blocked: false, previousUik: r.uik };
  }

  /** Marks the pinned key as verified (the user compared safety numbers). `uik` must be the pinned key. */
  async markVerified(userId: string, uik: B64u): Promise<void> {
    const r = await this.store.get(userId);
    if (!r || r.uik !== uik || r.pendingUik) throw new IdentityChangedError(userId, `${userId}: only the pinned, unchanged key can be verified`);
    await this.store.put({ ...r, verified: true });
  }

  /** The user accepts the changed key of a verified contact: it is pinned, unverified until compared again. */
  async acknowledgeChange(userId: string): Promise<void> {
    const r = await this.store.get(userId);
    if (!r?.pendingUik) return;
    await this.store.put({ userId, uik: r.pendingUik, firstSeenAt: r.firstSeenAt, verified: false, changedAt: this.now() });
  }

  /** Throws IdentityChangedError if any recipient's key changed while marked verified and was not acknowledged. */
  async assertCanSend(userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      const r = await this.store.get(userId);
      if (r?.pendingUik) throw new IdentityChangedError(userId, `${userId}'s identity key changed: confirm it before sending`);
    }
  }

  /**
   * Verifies a user's device list against the pinned key and the list state seen before, then stores the new
   * state. The UIK must be the pinned one (call `observe` first).
   */
  async verifyDevices(userId: string, certs: readonly DeviceCert[]): Promise<VerifiedDeviceList> {
    const r = await this.store.get(userId);
    if (!r) throw new IdentityChangedError(userId, `${userId}: no pinned identity key; observe it first`);
    const list = await verifyDeviceList(userId, r.uik, certs, r.deviceList);
    await this.store.put({ ...r, deviceList: list.state });
    return list;
  }
}
