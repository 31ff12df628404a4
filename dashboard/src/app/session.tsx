import type { MeResponse } from '@sentinel/common/api/auth';
import type { Permission } from '@sentinel/common/auth/roles';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { api } from '../api/client.ts';

type SessionValue = {
  me: MeResponse | null;
  /** true until the first /auth/me answered (or there is no session) */
  checking: boolean;
  can: (p: Permission) => boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
};

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<MeResponse | null>(null);
  const [checking, setChecking] = useState(api.loggedIn);

  const loadMe = async () => {
    if (!api.loggedIn) {
      setMe(null);
      setChecking(false);
      return;
    }
    try {
      setMe(await api.get<MeResponse>('/auth/me'));
    } catch {
      setMe(null);
    } finally {
      setChecking(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: once
  useEffect(() => {
    void loadMe();
    return api.onSessionChange((loggedIn) => {
      if (!loggedIn) setMe(null);
    });
  }, []);

  const value: SessionValue = {
    me,
    checking,
    can: (p) => me?.permissions.includes(p) ?? false,
    login: async (u, p) => {
      await api.login(u, p);
      setChecking(true);
      await loadMe();
    },
    logout: async () => {
      await api.logout();
      setMe(null);
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
