/* Sentinel service worker: shows Web Push alerts and opens the alert's page when one is clicked. */
/* The payload parsing mirrors src/lib/push-keys.ts parsePushPayload (tested there). */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function parsePayload(raw) {
  const o = raw && typeof raw === 'object' ? raw : {};
  const d = o.data && typeof o.data === 'object' ? o.data : {};
  const pick = (k) => (typeof o[k] === 'string' ? o[k] : typeof d[k] === 'string' ? d[k] : undefined);
  const alertId = pick('alertId') ?? (o.alert?.id ? String(o.alert.id) : undefined) ?? pick('id');
  const cameraId = pick('cameraId');
  const rule = pick('ruleName');
  const title = pick('title') ?? (rule ? `${rule}${cameraId ? ` · ${cameraId}` : ''}` : 'Sentinel alert');
  const body = pick('body') ?? pick('message') ?? '';
  let url = pick('url') ?? (alertId ? `/alerts/${encodeURIComponent(alertId)}` : '/alerts');
  if (!url.startsWith('/') || url.startsWith('//')) {
    try {
      const u = new URL(url);
      url = `${u.pathname}${u.search}${u.hash}`;
    } catch {
      url = '/alerts';
    }
  }
  const image = pick('snapshotUrl');
  return { title, body, url, tag: pick('tag') ?? alertId, image };
}

self.addEventListener('push', (event) => {
  let raw = {};
  try {
    raw = event.data ? event.data.json() : {};
  } catch {
    raw = { body: event.data ? event.data.text() : '' };
  }
  const p = parsePayload(raw);
  event.waitUntil(
    self.registration.showNotification(p.title, {
      body: p.body,
      tag: p.tag,
      renotify: Boolean(p.tag),
      icon: '/icons/sentinel-192.png',
      badge: '/icons/sentinel-192.png',
      ...(p.image ? { image: p.image } : {}),
      data: { url: p.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '/alerts', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin) {
          try {
            await client.focus();
          } catch {
            /* focusing needs the click's user activation; navigating does not */
          }
          if ('navigate' in client) {
            try {
              return await client.navigate(url);
            } catch {
              /* not controlled by this worker: ask the page */
            }
          }
          client.postMessage({ type: 'navigate', url });
          return undefined;
        }
      }
      return self.clients.openWindow(url);
    })(),
  );
});
