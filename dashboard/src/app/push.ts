import { api } from '../api/client.ts';
import { urlBase64ToUint8Array } from '../lib/push-keys.ts';

export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  try {
    return await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch {
    return undefined;
  }
}

export type PushState = 'unsupported' | 'denied' | 'subscribed' | 'available';

export async function pushState(): Promise<PushState> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window))
    return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await navigator.serviceWorker.getRegistration('/');
  const sub = await reg?.pushManager.getSubscription();
  return sub ? 'subscribed' : 'available';
}

/** Ask permission, subscribe with the gateway's VAPID key and register the subscription with the gateway. */
export async function enableNotifications(notifyResolved = false): Promise<void> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window))
    throw new Error('this browser does not support Web Push');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('notifications were not allowed');
  const reg = (await navigator.serviceWorker.getRegistration('/')) ?? (await registerServiceWorker());
  if (!reg) throw new Error('the service worker could not be registered');
  await navigator.serviceWorker.ready;
  const { publicKey } = await api.get<{ publicKey: string }>('/push/vapid-public-key');
  let sub = await reg.pushManager.getSubscription();
  if (sub) {
    // A subscription made with another server key cannot be reused.
    const existing = sub.options.applicationServerKey;
    const want = urlBase64ToUint8Array(publicKey);
    const same = existing && new Uint8Array(existing).every((b, i) => b === want[i]);
    if (!same) {
      await sub.unsubscribe();
      sub = null;
    }
  }
  sub ??= await reg.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: urlBase64ToUint8Array(publicKey),
  });
  await api.post('/push/subscriptions', { ...sub.toJSON(), notifyResolved });
}

export async function disableNotifications(): Promise<void> {
  const reg = await navigator.serviceWorker.getRegistration('/');
  const sub = await reg?.pushManager.getSubscription();
  if (!sub) return;
  const mine = await api.get<{ items: { id: string; endpoint: string }[] }>('/push/subscriptions');
  for (const s of mine.items ?? [])
    if (s.endpoint === sub.endpoint) await api.del(`/push/subscriptions/${s.id}`);
  await sub.unsubscribe();
}
