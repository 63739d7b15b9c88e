import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * A rate graph's data: `add(n)` counts as things happen (bytes pushed by the socket), and once a second
 * the count becomes a sample; the last `keep` samples are kept.
 */
export function useRateSamples(keep = 60): { samples: number[]; add: (amount: number) => void } {
  const count = useRef(0);
  const [samples, setSamples] = useState<number[]>([]);
  useEffect(() => {
    const timer = setInterval(() => {
      const value = count.current;
      count.current = 0;
      setSamples((previous) => [...previous, value].slice(-keep));
    }, 1_000);
    return () => clearInterval(timer);
  }, [keep]);
  const add = useCallback((amount: number) => void (count.current += amount), []);
  return { samples, add };
}

/** Appends `value` to a history whenever `key` changes (a new report arrived), keeping the last `keep`. */
export function appendSample(history: Map<string, number[]>, id: string, value: number, keep = 60): void {
  history.set(id, [...(history.get(id) ?? []), value].slice(-keep));
}
