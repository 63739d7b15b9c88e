import type { SessionResponse } from '@xeno/contracts';
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/api-error';
import { apiRequest } from '../api/api-request';

export type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; error?: string }
  | { kind: 'signed-in'; session: SessionResponse };

/** Who is signed in (GET /api/auth/me); a 401 means nobody, any other failure is shown on the log-in page. */
export function useSession() {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  useEffect(() => {
    apiRequest<SessionResponse>('GET', '/api/auth/me').then(
      (session) => setState({ kind: 'signed-in', session }),
      (error: ApiError) =>
        setState({ kind: 'signed-out', error: error.status === 401 ? undefined : error.message }),
    );
  }, []);
  const signedIn = useCallback((session: SessionResponse) => setState({ kind: 'signed-in', session }), []);
  const logOut = useCallback(async () => {
    await apiRequest<void>('POST', '/api/auth/logout').catch(() => undefined);
    setState({ kind: 'signed-out' });
  }, []);
  return { state, signedIn, logOut };
}
