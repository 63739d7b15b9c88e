import { useCallback, useEffect, useState } from 'react';
import { apiRequest } from './api-request';

export interface ApiData<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/**
 * GETs `path` on mount (and on reload()), keeping the last good data and the last error apart. A null
 * path fetches nothing (a page that may not read this resource).
 */
export function useApiData<T>(path: string | null): ApiData<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    if (path === null) return;
    apiRequest<T>('GET', path).then(
      (value) => current && (setData(value), setError(undefined)),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, reload };
}
