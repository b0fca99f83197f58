/**
 * localStorage that never throws (private windows, storage disabled, quota): callers keep an in-memory copy and
 * treat storage as a bonus that survives reloads.
 */
export function readItem(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeItem(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Without storage the value lives as long as this tab (the caller's in-memory copy).
  }
}
