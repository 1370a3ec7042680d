// The service worker for the panel and the kiosk screen (PRODUCT.md §12 Offline): the app shells,
// dictionaries and assets are precached at install, so both load with the network down; API reads
// go to the network first and fall back to the last answer, which is the "last known state" the
// panel shows (with its age) while offline. Writes are never cached or replayed here: the panel
// is read-only offline and the kiosk queues help requests itself.

import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

/** The cache holding the last answer of each API read; emptied when the session ends. */
export const API_CACHE = 'kioskhub-api';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Paths the server answers itself; a navigation to them must never get an app shell.
const SERVER_PATHS = [/^\/api(\/|$)/, /^\/auth\//, /^\/ws\//, /^\/health/, /^\/metrics/, /^\/kiosk\/pair/];

registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/kiosk.html'), {
    allowlist: [/^\/kiosk(\/|$)/],
    denylist: SERVER_PATHS,
  }),
);
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [...SERVER_PATHS, /^\/kiosk(\/|$)/],
  }),
);

registerRoute(
  ({ url, request }) =>
    request.method === 'GET' &&
    url.origin === self.location.origin &&
    // The signed-in user too, so a reload while offline still knows who is signed in.
    (url.pathname.startsWith('/api/') || url.pathname === '/auth/me') &&
    // Exports and photos are large and fetched on demand; the API docs are not app data.
    !url.pathname.endsWith('.csv') &&
    !url.pathname.endsWith('/photo') &&
    !url.pathname.startsWith('/api/docs') &&
    !url.pathname.startsWith('/api/openapi'),
  new NetworkFirst({
    cacheName: API_CACHE,
    networkTimeoutSeconds: 5,
    plugins: [
      {
        // Only used when the network failed: mark the answer so the page knows it is old.
        cachedResponseWillBeUsed: ({ cachedResponse }) => {
          if (!cachedResponse) return Promise.resolve(cachedResponse);
          const headers = new Headers(cachedResponse.headers);
          headers.set('X-Kioskhub-Offline', '1');
          return Promise.resolve(
            new Response(cachedResponse.body, {
              status: cachedResponse.status,
              statusText: cachedResponse.statusText,
              headers,
            }),
          );
        },
      },
    ],
  }),
);

self.addEventListener('message', (event) => {
  if (event.data === 'clear-api-cache') event.waitUntil(caches.delete(API_CACHE));
});

// A new version takes over at once: the shells are small and the API is versioned.
self.addEventListener('install', () => {
  void self.skipWaiting();
});
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
