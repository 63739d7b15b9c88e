import { useEffect, useRef } from 'react';
import { io } from 'socket.io-client';

/** Identifies the domain a pushed /events message is about (the API relays it as published). */
function domainIdOf(event: Record<string, unknown>): string | undefined {
  const id = event.domainId ?? event.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Calls onChange(domainId) whenever the API pushes a state change of one of this tenant's domains on
 * /events. Pages re-read that one domain instead of polling the list.
 */
export function useDomainEvents(onChange: (domainId: string) => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    const socket = io('/events', { transports: ['websocket'], withCredentials: true });
    socket.on('domain', (event: Record<string, unknown>) => {
      const domainId = domainIdOf(event);
      if (domainId) latest.current(domainId);
    });
    return () => {
      socket.close();
    };
  }, []);
}
