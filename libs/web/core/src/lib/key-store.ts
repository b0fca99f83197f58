import { Injectable } from '@angular/core';
import type { DeviceKeys, IdentityKeys } from '@parley/shared/crypto';

/** What this browser keeps for one account. CryptoKey objects are structured-cloneable, so they go in as is. */
export interface StoredAccount {
  userId: string;
  /** This browser's device (private keys non-extractable). */
  device: DeviceKeys;
  /** The user's identity key (UIK), imported non-extractable: it can sign device certificates, not leave. */
  identity: IdentityKeys;
}

const DB_NAME = 'parley';
const DB_VERSION = 1;
const STORE = 'accounts';

/** IndexedDB store of device keys and identity, one record per userId. */
@Injectable({ providedIn: 'root' })
export class KeyStore {
  private db?: Promise<IDBDatabase>;

  async load(userId: string): Promise<StoredAccount | undefined> {
    const db = await this.open();
    return request<StoredAccount | undefined>(db.transaction(STORE, 'readonly').objectStore(STORE).get(userId));
  }

  async save(account: StoredAccount): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(account);
    await done(tx);
  }

  async remove(userId: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(userId);
    await done(tx);
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(new Error('This browser has no IndexedDB, so it cannot keep your keys.'));
        return;
      }
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'userId' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('Could not open the key store.'));
      req.onblocked = () => reject(new Error('The key store is blocked by another tab. Close other Parley tabs.'));
    });
    this.db.catch(() => (this.db = undefined));
    return this.db;
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error ?? new Error('Key store request failed.'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('Key store transaction failed.'));
    tx.onabort = () => reject(tx.error ?? new Error('Key store transaction aborted.'));
  });
}
