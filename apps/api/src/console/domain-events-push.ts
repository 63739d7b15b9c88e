import { agentLoadChannel, domainEventsChannel, domainStatsChannel } from '@xeno/contracts';
import type { Redis } from 'ioredis';
import type { Namespace } from 'socket.io';
import type { ConsoleAccess } from './console-access';

/** Room of a tenant's browsers, and of platform admins (who see every domain). */
export const tenantRoom = (tenantId: string): string => `tenant:${tenantId}`;
export const ADMIN_ROOM = 'admins';

/**
 * Namespace /events: pushes domain state changes (`domain`) and heartbeat figures (`stats`, the domain
 * page's graphs) to the web app. The API instance that records a change or receives a heartbeat publishes
 * it on domainEventsChannel / domainStatsChannel; every instance receives it and emits to its own sockets
 * only (`local`), so a message reaches each browser once however many instances run.
 */
export function servePushedDomainEvents(
  events: Namespace,
  subscriber: Redis,
  prefix: string,
  access: ConsoleAccess,
): Promise<unknown> {
  events.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    void access
      .authenticate({
        cookie: socket.handshake.headers.cookie,
        token: typeof auth.token === 'string' ? auth.token : undefined,
      })
      .then(
        (principal) => {
          if (!principal) return next(new Error('not authenticated'));
          void socket.join(principal.platformAdmin ? ADMIN_ROOM : tenantRoom(principal.tenantId));
          next();
        },
        () => next(new Error('authentication unavailable')),
      );
  });
  const eventNames = new Map([
    [domainEventsChannel(prefix), 'domain'],
    [domainStatsChannel(prefix), 'stats'],
  ]);
  const agentLoad = agentLoadChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from === agentLoad) {
      // Agents belong to no tenant: their load is for platform admins only.
      const sample = parseAgentSample(message);
      if (sample) events.local.to(ADMIN_ROOM).emit('agent', sample);
      return;
    }
    const name = eventNames.get(from);
    if (!name) return;
    const event = parseEvent(message);
    if (!event) return;
    events.local.to([tenantRoom(event.tenantId), ADMIN_ROOM]).emit(name, event);
  });
  return subscriber.subscribe(...eventNames.keys(), agentLoad);
}

function parseAgentSample(message: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(message) as Record<string, unknown>;
    return typeof value.agentId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseEvent(message: string): ({ tenantId: string } & Record<string, unknown>) | undefined {
  try {
    const value = JSON.parse(message) as Record<string, unknown>;
    return typeof value.tenantId === 'string' && typeof (value.domainId ?? value.id) === 'string'
      ? (value as { tenantId: string } & Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
