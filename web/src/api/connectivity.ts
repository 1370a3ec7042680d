// Whether the server answers, as the panel sees it (PRODUCT.md §12 Offline). The API client
// reports every outcome here: a network failure, or an answer the service worker took from its
// cache (marked `X-Kioskhub-Offline`), makes the panel offline and read-only, showing when its data
// was fetched; any real answer from the server makes it online again. While offline, `/health` is
// probed every few seconds so the panel notices the server coming back on its own.

export interface ConnectivitySnapshot {
  online: boolean;
  /** When the data on screen was fetched (epoch ms), known while offline; else null. */
  dataFrom: number | null;
}

/** Header the service worker adds to an API answer it served from its cache. */
export const OFFLINE_HEADER = 'X-Kioskhub-Offline';
const PROBE_MS = 5_000;

export class Connectivity {
  #snapshot: ConnectivitySnapshot = { online: true, dataFrom: null };
  readonly #listeners = new Set<() => void>();
  #probe: ReturnType<typeof setInterval> | null = null;
  readonly #probeUrl: string;
  readonly #fetch: (input: string, init: RequestInit) => Promise<Response>;

  constructor(probeUrl: string, fetch: (input: string, init: RequestInit) => Promise<Response>) {
    this.#probeUrl = probeUrl;
    this.#fetch = fetch;
  }

  readonly get = (): ConnectivitySnapshot => this.#snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The server could not be reached; `dataFrom` is the age of cached data shown instead. */
  offline(dataFrom?: number): void {
    const previous = this.#snapshot;
    const from = dataFrom ?? previous.dataFrom;
    if (!previous.online && previous.dataFrom === from) return;
    // Keep the oldest age: the screen mixes answers, the oldest one bounds them all.
    const oldest = previous.dataFrom !== null && from !== null ? Math.min(previous.dataFrom, from) : from;
    this.#set({ online: false, dataFrom: oldest });
    this.#probe ??= setInterval(() => {
      void this.#check();
    }, PROBE_MS);
  }

  /** The server answered. */
  online(): void {
    if (this.#probe !== null) {
      clearInterval(this.#probe);
      this.#probe = null;
    }
    if (!this.#snapshot.online) this.#set({ online: true, dataFrom: null });
  }

  async #check(): Promise<void> {
    try {
      const response = await this.#fetch(this.#probeUrl, { cache: 'no-store' });
      if (response.ok) this.online();
    } catch {
      // Still unreachable; the next probe tries again.
    }
  }

  #set(snapshot: ConnectivitySnapshot): void {
    this.#snapshot = snapshot;
    for (const listener of this.#listeners) listener();
  }
}
