import { createAdapter } from '@socket.io/redis-adapter';
import {
  consoleInputChannel,
  consoleLogKey,
  consoleResizeMessage,
  type ConsoleAttachReply,
} from '@xeno/contracts';
import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { ConsoleAccess, ConsolePrincipal } from './console-access';
import { ConsoleFeeds } from './console-feeds';
import type { ConsoleShare, ConsoleShareTokens } from './console-share-tokens';
import type { ConsoleLimits } from './console-limits';
import { ConsoleViewer } from './console-viewer';
import { InputPacer } from './input-pacer';

export const NOT_FOUND = 'domain not found';
export const SHARE_EXPIRED = 'share link expired';
export const SHARE_INVALID = 'share link invalid';

export interface ConsoleServerDeps {
  access: ConsoleAccess;
  /** Commands (XRANGE, PUBLISH). */
  redis: Redis;
  /** Connections in subscriber mode: console output, and the socket.io adapter's pair. */
  subscriber: Redis;
  adapterPub: Redis;
  adapterSub: Redis;
  prefix: string;
  limits: ConsoleLimits;
  /** Checks the read-only share links a socket may connect with instead of a session. */
  shares: ConsoleShareTokens;
  now?: () => number;
}

interface SocketState {
  principal: ConsolePrincipal;
  viewer?: ConsoleViewer;
  pacer?: InputPacer;
  domainId?: string;
  readOnly: boolean;
  /** Set when the socket connected with a share link: it may watch only that domain, read-only. */
  share?: ConsoleShare;
}

/**
 * socket.io on the API's HTTP server, namespace /console. The Redis adapter lets several API instances
 * share rooms (a viewer can land on any of them); the console bytes themselves come from Redis pub/sub,
 * which every instance subscribes to for the domains its own viewers watch.
 */
export class ConsoleServer {
  readonly io: Server;
  readonly console: Namespace;
  private readonly feeds: ConsoleFeeds;

  constructor(
    http: HttpServer,
    private readonly deps: ConsoleServerDeps,
  ) {
    this.io = new Server(http, { serveClient: false, maxHttpBufferSize: 1024 * 1024 });
    this.io.adapter(createAdapter(deps.adapterPub, deps.adapterSub, { key: `${deps.prefix}socket.io` }));
    this.feeds = new ConsoleFeeds(deps.subscriber, deps.prefix);
    this.console = this.io.of('/console');
    this.console.use((socket, next) => {
      void this.authenticate(socket).then(
        (result) => {
          if ('error' in result) return next(new Error(result.error));
          socket.data = { ...result, readOnly: true } satisfies SocketState;
          next();
        },
        () => next(new Error('authentication unavailable')),
      );
    });
    this.console.on('connection', (socket) => this.onConnection(socket));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private async authenticate(
    socket: Socket,
  ): Promise<{ principal: ConsolePrincipal; share?: ConsoleShare } | { error: string }> {
    const auth = socket.handshake.auth as { token?: unknown; share?: unknown };
    if (typeof auth.share === 'string') {
      const verified = await this.deps.shares.verify(auth.share);
      if ('error' in verified) return { error: verified.error === 'expired' ? SHARE_EXPIRED : SHARE_INVALID };
      const { share } = verified;
      // A share link names no user: it stands for its tenant, narrowed to one domain and read-only.
      return { principal: { userId: 'share-link', tenantId: share.tenantId, platformAdmin: false }, share };
    }
    const principal = await this.deps.access.authenticate({
      cookie: socket.handshake.headers.cookie,
      token: typeof auth.token === 'string' ? auth.token : undefined,
    });
    return principal ? { principal } : { error: 'not authenticated' };
  }

  private onConnection(socket: Socket): void {
    const state = socket.data as SocketState;
    // A share link is short-lived: its viewer is cut off when it expires, not only refused on re-attach.
    const expiry = state.share
      ? setTimeout(() => socket.disconnect(true), Math.max(0, state.share.expiresAt - this.now()))
      : undefined;
    socket.on('attach', (request: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: ConsoleAttachReply) => void) : () => undefined;
      this.attach(socket, state, request).then(reply, () =>
        reply({ ok: false, error: 'console unavailable' }),
      );
    });
    socket.on('input', (data: unknown, ack: unknown) => {
      const reply =
        typeof ack === 'function' ? (ack as (r: { ok: boolean; error?: string }) => void) : () => undefined;
      reply(this.input(state, data));
    });
    socket.on('resize', (size: unknown) => this.resize(state, size));
    socket.on('disconnect', () => {
      clearTimeout(expiry);
      detach(state);
    });
  }

  private async attach(socket: Socket, state: SocketState, request: unknown): Promise<ConsoleAttachReply> {
    const { domainId, fromSeq } = (typeof request === 'object' && request !== null ? request : {}) as {
      domainId?: unknown;
      fromSeq?: unknown;
    };
    if (typeof domainId !== 'string' || domainId === '' || domainId.length > 100)
      return { ok: false, error: NOT_FOUND };
    const seq = fromSeq === undefined ? 0 : fromSeq;
    if (!Number.isSafeInteger(seq) || (seq as number) < 0)
      return { ok: false, error: 'fromSeq must be an integer ≥ 0' };
    if (state.share) {
      if (domainId !== state.share.domainId) return { ok: false, error: NOT_FOUND };
      if (state.share.expiresAt <= this.now()) return { ok: false, error: SHARE_EXPIRED };
    }
    // Checked on every attach: membership or the domain may have changed since the socket connected.
    const granted = await this.deps.access.grant(state.principal, domainId);
    if (!granted || !socket.connected) return { ok: false, error: NOT_FOUND };
    const grant = state.share ? { ...granted, readOnly: true } : granted;
    detach(state);
    state.domainId = domainId;
    state.readOnly = grant.readOnly;
    state.viewer = new ConsoleViewer(socket, seq as number, this.deps.limits);
    if (!grant.readOnly) {
      const channel = consoleInputChannel(this.deps.prefix, domainId);
      state.pacer = new InputPacer(this.deps.limits, (bytes) => {
        void this.deps.redis.publish(channel, bytes.toString('base64')).catch(() => undefined);
      });
    }
    void state.viewer
      .start(this.feeds, this.deps.redis, domainId, consoleLogKey(this.deps.prefix, domainId))
      .catch(() => socket.emit('console-error', 'scrollback unavailable'));
    return { ok: true, readOnly: grant.readOnly };
  }

  private input(state: SocketState, data: unknown): { ok: boolean; error?: string } {
    if (!state.domainId) return { ok: false, error: 'not attached' };
    if (state.readOnly || !state.pacer) return { ok: false, error: 'read-only viewer' };
    const bytes =
      typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.isBuffer(data) ? data : undefined;
    if (!bytes) return { ok: false, error: 'input must be text or bytes' };
    return state.pacer.enqueue(bytes) ? { ok: true } : { ok: false, error: 'input backlog full; try again' };
  }

  private resize(state: SocketState, size: unknown): void {
    if (!state.domainId || state.readOnly) return;
    const { cols, rows } = (typeof size === 'object' && size !== null ? size : {}) as Record<string, unknown>;
    if (!isDimension(cols) || !isDimension(rows)) return;
    const channel = consoleInputChannel(this.deps.prefix, state.domainId);
    void this.deps.redis.publish(channel, consoleResizeMessage(cols, rows)).catch(() => undefined);
  }
}

function detach(state: SocketState): void {
  state.viewer?.close();
  state.pacer?.stop();
  state.viewer = undefined;
  state.pacer = undefined;
  state.domainId = undefined;
  state.readOnly = true;
}

function isDimension(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1000;
}
