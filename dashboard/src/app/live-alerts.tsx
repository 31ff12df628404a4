import type { AlertEvent } from '@sentinel/common/schemas/alert';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { realtime } from '../api/socket.ts';
import { toast } from '../components/Toasts.tsx';
import { alertPath } from '../lib/routes.ts';
import { useStoredState } from './hooks.ts';
import { useRouter } from './router.tsx';
import { useSession } from './session.tsx';

type LiveAlerts = {
  /** Lifecycle events received since the app started, newest first. */
  events: AlertEvent[];
  /** New alerts since the alerts page was last open. */
  unseen: number;
  sound: boolean;
  setSound: (on: boolean) => void;
  connected: boolean;
  /** Subscribe to every alert event (the feed merges them). */
  subscribe: (fn: (ev: AlertEvent) => void) => () => void;
};

const Ctx = createContext<LiveAlerts | null>(null);

/** A short two-tone chime through Web Audio (no asset to load); louder for critical alerts. */
function chime(severity: string) {
  try {
    const AC =
      window.AudioContext ??
      (window as unknown as { webkitAudioContext: typeof AudioContext }).webkitAudioContext;
    const ctx = new AC();
    const tones = severity === 'critical' ? [880, 660, 880] : [660, 880];
    tones.forEach((f, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.18 + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.18);
      osc.stop(ctx.currentTime + i * 0.18 + 0.17);
    });
    setTimeout(() => void ctx.close(), 1000);
  } catch {
    /* audio unavailable */
  }
}

export function LiveAlertsProvider({ children }: { children: ReactNode }) {
  const { can } = useSession();
  const { route } = useRouter();
  const [events, setEvents] = useState<AlertEvent[]>([]);
  const [unseen, setUnseen] = useState(0);
  const [sound, setSound] = useStoredState('sentinel.sound', true);
  const [connected, setConnected] = useState(realtime.connected);
  const subs = useRef(new Set<(ev: AlertEvent) => void>());
  const soundRef = useRef(sound);
  soundRef.current = sound;
  const onAlertsPage = route.name === 'alerts' || route.name === 'alert';
  const onAlertsPageRef = useRef(onAlertsPage);
  onAlertsPageRef.current = onAlertsPage;
  const allowed = can('alerts:read');

  useEffect(() => {
    if (!allowed) return;
    const leave = realtime.joinRoom('alerts');
    const off = realtime.on<AlertEvent>('alert', (ev) => {
      setEvents((list) => [ev, ...list].slice(0, 200));
      for (const fn of subs.current) fn(ev);
      if (ev.event !== 'opened') return;
      if (!onAlertsPageRef.current) setUnseen((n) => n + 1);
      toast({
        kind: 'alert',
        severity: ev.severity,
        title: `${ev.ruleName} · ${ev.cameraId}`,
        body: ev.message,
        link: alertPath(ev.alertId),
      });
      if (soundRef.current) chime(ev.severity);
    });
    const offConn = realtime.onConnection(setConnected);
    return () => {
      leave();
      off();
      offConn();
    };
  }, [allowed]);

  useEffect(() => {
    if (onAlertsPage) setUnseen(0);
  }, [onAlertsPage]);

  const value: LiveAlerts = {
    events,
    unseen,
    sound,
    setSound,
    connected,
    subscribe: (fn) => {
      subs.current.add(fn);
      return () => subs.current.delete(fn);
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useLiveAlerts(): LiveAlerts {
  const v = useContext(Ctx);
  if (!v) throw new Error('useLiveAlerts outside LiveAlertsProvider');
  return v;
}
