// Registers the service worker (src/sw/sw.ts) in built apps; the dev server runs without one.

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
      console.warn('service worker not registered', error);
    });
  });
}

/** Forgets the cached API answers (at sign-out, so the next user sees none of them). */
export function clearApiCache(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.controller?.postMessage('clear-api-cache');
}
