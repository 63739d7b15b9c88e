import type { AgentLoadSample, DomainStatsSample } from '@xeno/contracts';
import { useEffect, useRef } from 'react';
import { io } from 'socket.io-client';

/** Identifies the domain a pushed /events message is about (the API relays it as published). */
function domainIdOf(event: Record<string, unknown>): string | undefined {
  const id = event.domainId ?? event.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Calls onChange(domainId) whenever the API pushes a state change of one of this tenant's domains on
 * /events. Pages re-read that one domain instead of polling the list. onStats receives the figures each
 * agent heartbeat reports for a domain (the domain page's graphs).
 */
export function useDomainEvents(
  onChange: (domainId: string) => void,
  onStats?: (sample: DomainStatsSample) => void,
  /** Platform admins only: each agent heartbeat's load. */
  onAgent?: (sample: AgentLoadSample) => void,
): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  const latestStats = useRef(onStats);
  latestStats.current = onStats;
  const latestAgent = useRef(onAgent);
  latestAgent.current = onAgent;
  useEffect(() => {
    const socket = io('/events', { transports: ['websocket'], withCredentials: true });
    socket.on('domain', (event: Record<string, unknown>) => {
      const domainId = domainIdOf(event);
      if (domainId) latest.current(domainId);
    });
    socket.on('stats', (sample: DomainStatsSample) => {
      if (typeof sample?.domainId === 'string') latestStats.current?.(sample);
    });
    socket.on('agent', (sample: AgentLoadSample) => {
      if (typeof sample?.agentId === 'string') latestAgent.current?.(sample);
    });
    return () => {
      socket.close();
    };
  }, []);
}
