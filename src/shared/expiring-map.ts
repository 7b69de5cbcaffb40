/** Entries that expire `ttlMs` after they were last set or read with `touch`; swept now and then. */
export interface ExpiringMap<Value> {
  /** The live entry; `touch` pushes its expiry back. */
  get(key: string, options?: { touch?: boolean }): Value | undefined;
  set(key: string, value: Value): void;
  delete(key: string): boolean;
  /** The live entries' values. */
  values(): Value[];
  /** The live entries, keys with values. */
  entries(): [string, Value][];
  /** Stops the sweep. */
  close(): void;
}

export function createExpiringMap<Value>(ttlMs: number): ExpiringMap<Value> {
  const entries = new Map<string, { value: Value; expiresAt: number }>();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [key, entry] of entries) if (entry.expiresAt < now) entries.delete(key);
    },
    Math.min(ttlMs, 60_000),
  );
  sweep.unref();
  return {
    get(key, { touch = false } = {}) {
      const entry = entries.get(key);
      if (!entry || entry.expiresAt < Date.now()) return undefined;
      if (touch) entry.expiresAt = Date.now() + ttlMs;
      return entry.value;
    },
    set: (key, value) => void entries.set(key, { value, expiresAt: Date.now() + ttlMs }),
    delete: (key) => entries.delete(key),
    values() {
      const now = Date.now();
      return [...entries.values()].filter((entry) => entry.expiresAt >= now).map((entry) => entry.value);
    },
    entries() {
      const now = Date.now();
      return [...entries].filter(([, entry]) => entry.expiresAt >= now).map(([key, entry]) => [key, entry.value]);
    },
    close: () => clearInterval(sweep),
  };
}
