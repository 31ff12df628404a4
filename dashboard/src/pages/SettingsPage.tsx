import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import { useLiveAlerts } from '../app/live-alerts.tsx';
import { disableNotifications, enableNotifications, type PushState, pushState } from '../app/push.ts';
import { useSession } from '../app/session.tsx';
import { toast } from '../components/Toasts.tsx';

export function SettingsPage() {
  const { me, can } = useSession();
  const live = useLiveAlerts();
  const [push, setPush] = useState<PushState | 'busy'>('busy');
  const [pushError, setPushError] = useState<string | null>(null);
  const [notifyResolved, setNotifyResolved] = useState(false);
  useEffect(() => {
    void pushState().then(setPush);
  }, []);
  const enable = async () => {
    setPush('busy');
    setPushError(null);
    try {
      await enableNotifications(notifyResolved);
      toast({ kind: 'success', title: 'Notifications enabled on this device' });
    } catch (err) {
      setPushError((err as Error).message);
    }
    setPush(await pushState());
  };
  const disable = async () => {
    setPush('busy');
    try {
      await disableNotifications();
    } catch (err) {
      setPushError((err as Error).message);
    }
    setPush(await pushState());
  };
  const [pw, setPw] = useState({ currentPassword: '', newPassword: '' });
  const [pwMsg, setPwMsg] = useState<string | null>(null);
  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post('/auth/password', pw);
      setPwMsg('Password changed.');
      setPw({ currentPassword: '', newPassword: '' });
    } catch (err) {
      setPwMsg((err as Error).message);
    }
  };
  return (
    <section className="page settings-page">
      <h1>Settings</h1>
      {can('push:manage') && (
        <div className="card">
          <h2>Notifications</h2>
          <p className="muted">
            Get a notification on this device for every new alert, even when Sentinel is closed. Tapping it
            opens the alert.
          </p>
          {push === 'unsupported' && (
            <p>This browser does not support Web Push (on iPhone: add Sentinel to the home screen first).</p>
          )}
          {push === 'denied' && (
            <p className="error">Notifications are blocked for this site in the browser settings.</p>
          )}
          {push === 'available' && (
            <>
              <label className="check">
                <input
                  type="checkbox"
                  checked={notifyResolved}
                  onChange={(e) => setNotifyResolved(e.target.checked)}
                />{' '}
                Also when an alert resolves
              </label>
              <button
                type="button"
                className="btn primary"
                onClick={() => void enable()}
                data-testid="enable-notifications"
              >
                Enable notifications
              </button>
            </>
          )}
          {push === 'subscribed' && (
            <p>
              ✓ Notifications are on for this device.{' '}
              <button type="button" className="btn ghost" onClick={() => void disable()}>
                Turn off
              </button>
            </p>
          )}
          {pushError && <p className="error">{pushError}</p>}
          <label className="check">
            <input type="checkbox" checked={live.sound} onChange={(e) => live.setSound(e.target.checked)} />{' '}
            Play a sound for new alerts while the dashboard is open
          </label>
        </div>
      )}
      <div className="card form-narrow">
        <h2>Account</h2>
        <p>
          {me?.username} · role <strong>{me?.role}</strong>
        </p>
        <form onSubmit={changePassword}>
          <label>
            Current password
            <input
              type="password"
              autoComplete="current-password"
              value={pw.currentPassword}
              onChange={(e) => setPw({ ...pw, currentPassword: e.target.value })}
            />
          </label>
          <label>
            New password (10+ characters)
            <input
              type="password"
              autoComplete="new-password"
              value={pw.newPassword}
              onChange={(e) => setPw({ ...pw, newPassword: e.target.value })}
            />
          </label>
          <button type="submit" className="btn">
            Change password
          </button>
          {pwMsg && <p>{pwMsg}</p>}
        </form>
      </div>
    </section>
  );
}
