import { Injectable } from '@angular/core';
import { readItem, writeItem } from './safe-storage';

/**
 * Per-device, per-room message counters (`senderSeq`), kept in localStorage so that a reload never reuses a
 * number: receivers flag gaps and repeats.
 */
@Injectable({ providedIn: 'root' })
export class SenderSeq {
  private readonly memory = new Map<string, number>();

  next(deviceId: string, roomId: string): number {
    const key = `parley.senderSeq.${deviceId}.${roomId}`;
    const stored = Number(readItem(key) ?? this.memory.get(key) ?? 0);
    const value = Number.isSafeInteger(stored) && stored >= 0 ? stored : 0;
    this.memory.set(key, value + 1);
    writeItem(key, String(value + 1));
    return value;
  }
}
