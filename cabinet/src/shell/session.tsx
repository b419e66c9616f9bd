import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { onUnauthorized } from '../api/client.ts';
import { currentSession, logOut } from '../api/session.ts';
import type { Session } from '../api/types.ts';

export const sessionKey = ['session'] as const;

type SessionState = {
  session: Session;
  logout: () => Promise<void>;
};

const SessionContext = createContext<SessionState | null>(null);

/** The logged-in user, merchant and last visit; only inside the logged-in part of the app. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a session');
  return state;
}

/**
 * Asks the server who is logged in, then renders `children` with that session, or `login`
 * when there is none. A 401 from any API call ends the session here too (`ended` tells the
 * login screen to say so).
 */
export function SessionGate(props: {
  login: (props: { ended: boolean }) => ReactNode;
  loading: ReactNode;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [ended, setEnded] = useState(false);
  const query = useQuery({
    queryKey: sessionKey,
    queryFn: ({ signal }) => currentSession(signal),
    staleTime: Number.POSITIVE_INFINITY,
  });
  useEffect(
    () =>
      onUnauthorized(() => {
        if (queryClient.getQueryData(sessionKey)) setEnded(true);
        queryClient.setQueryData(sessionKey, null);
        queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
      }),
    [queryClient],
  );
  const logout = useCallback(async () => {
    await logOut().catch(() => undefined);
    setEnded(false);
    queryClient.setQueryData(sessionKey, null);
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
  }, [queryClient]);
  const session = query.data;
  const value = useMemo(() => (session ? { session, logout } : null), [session, logout]);
  if (query.isPending) return props.loading;
  if (!value) return props.login({ ended });
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}
