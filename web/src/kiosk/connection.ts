// Whether the hub answers. Every reply (any status) says it does; a request that never got a
// reply, or the browser reporting itself offline, says it does not. The offline banner and the
// help queue's retries follow this one flag.

type Listener = () => void;

let reachable = true;
const listeners = new Set<Listener>();

function browserOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine;
}

function emit() {
  for (const listener of listeners) listener();
}

/** Records the outcome of a request: `true` when the server replied, `false` when it did not. */
export function reportReachable(value: boolean): void {
  if (value === reachable) return;
  reachable = value;
  emit();
}

/** True when the browser is online and the last request reached the server. */
export function isOnline(): boolean {
  return reachable && browserOnline();
}

/** Calls `listener` whenever `isOnline()` may have changed. */
export function subscribeOnline(listener: Listener): () => void {
  listeners.add(listener);
  const onChange = () => {
    listener();
  };
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}
