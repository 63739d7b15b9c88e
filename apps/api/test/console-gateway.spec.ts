import { consoleInputChannel, consoleLogKey, consoleOutputChannel } from '@xeno/contracts';
import { Redis } from 'ioredis';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTestEnv } from '../../../test/support/test-env';
import type { ConsoleAccess, ConsolePrincipal } from '../src/console/console-access';
import { DEFAULT_CONSOLE_LIMITS } from '../src/console/console-limits';
import { ConsoleServer } from '../src/console/console-server';
import { ConsoleShareTokens } from '../src/console/console-share-tokens';

const prefix = `${requireTestEnv('redisPrefix')}console-${process.pid}:`;
const redisUrl = requireTestEnv('redisUrl');

/** Tokens name users; domain `d-<tenant>-*` belongs to that tenant; viewer tokens are read-only. */
const users: Record<string, ConsolePrincipal & { readOnly?: boolean }> = {
  alice: { userId: 'u-alice', tenantId: 'ta', platformAdmin: false },
  bob: { userId: 'u-bob', tenantId: 'tb', platformAdmin: false },
  carol: { userId: 'u-carol', tenantId: 'ta', platformAdmin: false, readOnly: true },
};
const access: ConsoleAccess = {
  authenticate: async ({ token }) => (token ? users[token] : undefined),
  grant: async (principal, domainId) => {
    const [, tenant] = domainId.split('-');
    if (tenant !== principal.tenantId && !principal.platformAdmin) return undefined;
    return { tenantId: tenant!, readOnly: Boolean(users[principal.userId.slice(2)]?.readOnly) };
  },
};

/** The gateway's clock: tests move it forward to expire share links without waiting. */
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;
let shares: ConsoleShareTokens;

let http: HttpServer;
let server: ConsoleServer;
let redis: Redis;
const connections: Redis[] = [];
const clients: ClientSocket[] = [];
let url: string;

beforeAll(async () => {
  const open = () => {
    const connection = new Redis(redisUrl);
    connections.push(connection);
    return connection;
  };
  redis = open();
  shares = new ConsoleShareTokens(redis, prefix, now);
  http = createServer();
  server = new ConsoleServer(http, {
    access,
    redis,
    subscriber: open(),
    adapterPub: open(),
    adapterSub: open(),
    prefix,
    limits: { ...DEFAULT_CONSOLE_LIMITS, maxQueuedBytes: 64 * 1024, inputTickMs: 1 },
    shares,
    now,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/console`;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  for (const connection of connections) connection.disconnect();
});

function client(
  token: string | undefined,
  autoAck = true,
  auth: Record<string, string> = token ? { token } : {},
): ClientSocket & { received: Received } {
  const socket = connect(url, { auth, transports: ['websocket'], forceNew: true });
  clients.push(socket);
  const received: Received = { text: '', skipped: 0, messages: 0, pendingAcks: [] };
  socket.on('output', (message: { seq?: number; data?: Buffer; skipped?: number }, ack: () => void) => {
    received.messages += 1;
    if (message.skipped) received.skipped += message.skipped;
    if (message.data) received.text += Buffer.from(message.data).toString('latin1');
    if (autoAck) ack();
    else received.pendingAcks.push(ack);
  });
  return Object.assign(socket, { received });
}

interface Received {
  text: string;
  skipped: number;
  messages: number;
  pendingAcks: Array<() => void>;
}

function attach(
  socket: ClientSocket,
  domainId: string,
  fromSeq?: number,
): Promise<{ ok: boolean; error?: string; readOnly?: boolean }> {
  return socket.emitWithAck('attach', { domainId, fromSeq });
}

async function appendLog(domainId: string, seq: number, text: string): Promise<void> {
  await redis.xadd(
    consoleLogKey(prefix, domainId),
    '*',
    'domainId',
    domainId,
    'seq',
    String(seq),
    'data',
    Buffer.from(text).toString('base64'),
  );
}

async function publishLive(domainId: string, seq: number, text: string): Promise<void> {
  await redis.publish(
    consoleOutputChannel(prefix, domainId),
    JSON.stringify({ domainId, seq, data: Buffer.from(text).toString('base64') }),
  );
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('console gateway: sequence resume', () => {
  it('replays the scrollback from the requested seq, then live output, without gap or duplicate', async () => {
    const domain = 'd-ta-resume';
    await appendLog(domain, 0, 'hello ');
    await appendLog(domain, 6, 'world\n');
    const viewer = client('alice');
    expect(await attach(viewer, domain, 3)).toEqual({ ok: true, readOnly: false });
    await until(() => viewer.received.text === 'lo world\n', 'replay');
    // The agent publishes what it also appended: a repeat of seq 6 and an overlap must not show twice.
    await publishLive(domain, 6, 'world\n');
    await publishLive(domain, 9, 'ld\nmore');
    await publishLive(domain, 16, '!');
    await until(() => viewer.received.text.endsWith('!'), 'live output');
    expect(viewer.received.text).toBe('lo world\nmore!');
    expect(viewer.received.skipped).toBe(0);
  });

  it('reports bytes that left the scrollback as skipped', async () => {
    const domain = 'd-ta-trimmed';
    await appendLog(domain, 100, 'tail');
    const viewer = client('alice');
    await attach(viewer, domain, 40);
    await until(() => viewer.received.text === 'tail', 'replay');
    expect(viewer.received.skipped).toBe(60);
  });
});

describe('console gateway: authorization', () => {
  it('refuses a socket without credentials', async () => {
    const socket = connect(url, { transports: ['websocket'], forceNew: true });
    clients.push(socket);
    const error = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    expect(error.message).toBe('not authenticated');
  });

  it("refuses another tenant's domain exactly like a missing one", async () => {
    await appendLog('d-ta-secret', 0, 'secret');
    const bob = client('bob');
    const foreign = await attach(bob, 'd-ta-secret');
    const missing = await attach(bob, 'no-such-domain');
    expect(foreign).toEqual({ ok: false, error: 'domain not found' });
    expect(missing).toEqual(foreign);
    await new Promise((r) => setTimeout(r, 50));
    expect(bob.received.messages).toBe(0);
  });

  it('rejects malformed attach requests', async () => {
    const alice = client('alice');
    expect(await attach(alice, 'd-ta-x', -1)).toEqual({ ok: false, error: 'fromSeq must be an integer ≥ 0' });
    expect(await alice.emitWithAck('attach', 'garbage')).toEqual({ ok: false, error: 'domain not found' });
  });
});

describe('console gateway: input', () => {
  it('paces a large paste onto the input channel in ring-sized slices, in order', async () => {
    const domain = 'd-ta-paste';
    const listener = new Redis(redisUrl);
    connections.push(listener);
    const slices: Buffer[] = [];
    listener.on('message', (_channel: string, message: string) =>
      slices.push(Buffer.from(message, 'base64')),
    );
    await listener.subscribe(consoleInputChannel(prefix, domain));
    const alice = client('alice');
    await attach(alice, domain);
    const paste = Array.from({ length: 400 }, (_, i) => `line ${i}\n`).join('');
    expect(await alice.emitWithAck('input', paste)).toEqual({ ok: true });
    await until(() => Buffer.concat(slices).length === paste.length, 'paced input');
    expect(Buffer.concat(slices).toString()).toBe(paste);
    expect(Math.max(...slices.map((s) => s.length))).toBeLessThanOrEqual(
      DEFAULT_CONSOLE_LIMITS.inputBytesPerTick,
    );
    expect(slices.length).toBeGreaterThan(1);
  });

  it('a read-only viewer sees output but its keystrokes and resizes go nowhere', async () => {
    const domain = 'd-ta-readonly';
    const listener = new Redis(redisUrl);
    connections.push(listener);
    const published: string[] = [];
    listener.on('message', (_channel: string, message: string) => published.push(message));
    await listener.subscribe(consoleInputChannel(prefix, domain));
    await appendLog(domain, 0, 'shared view');
    const carol = client('carol');
    expect(await attach(carol, domain)).toEqual({ ok: true, readOnly: true });
    await until(() => carol.received.text === 'shared view', 'replay');
    expect(await carol.emitWithAck('input', 'rm -rf /\n')).toEqual({ ok: false, error: 'read-only viewer' });
    carol.emit('resize', { cols: 100, rows: 30 });
    const alice = client('alice');
    await attach(alice, domain);
    alice.emit('resize', { cols: 80, rows: 24 });
    await until(() => published.length === 1, 'the writer resize');
    expect(published).toEqual([JSON.stringify({ resize: { cols: 80, rows: 24 } })]);
  });
});

describe('console gateway: backpressure', () => {
  it('skips what a slow viewer cannot take, with a marker, while a fast viewer gets everything', async () => {
    const domain = 'd-ta-flood';
    const fast = client('alice');
    const slow = client('alice', false);
    await attach(fast, domain);
    await attach(slow, domain);
    const line = 'x'.repeat(1023) + '\n';
    const total = 512; // 512 KiB, eight times the viewer queue bound of this test
    for (let i = 0; i < total; i++) await publishLive(domain, i * line.length, line);
    await until(() => fast.received.text.length === total * line.length, 'the fast viewer');
    expect(fast.received.skipped).toBe(0);
    // The slow viewer took nothing so far; now it catches up by acknowledging what it holds.
    while (
      slow.received.pendingAcks.length > 0 ||
      slow.received.text.length + slow.received.skipped < total * line.length
    ) {
      const acks = slow.received.pendingAcks.splice(0);
      for (const ack of acks) ack();
      if (acks.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(slow.received.skipped).toBeGreaterThan(0);
    expect(slow.received.text.length + slow.received.skipped).toBe(total * line.length);
    expect(slow.received.text.endsWith(line)).toBe(true);
  });
});

describe('console gateway: share links', () => {
  const shareFor = (domainId: string, ttlMs = 60_000) =>
    shares.sign({ domainId, tenantId: 'ta', expiresAt: now() + ttlMs });
  const connectError = (socket: ClientSocket) =>
    new Promise<Error>((resolve) => socket.on('connect_error', resolve));

  it('lets a share link watch its one domain read-only; its keystrokes are dropped server-side', async () => {
    const domain = 'd-ta-shared';
    const listener = new Redis(redisUrl);
    connections.push(listener);
    const published: string[] = [];
    listener.on('message', (_channel: string, message: string) => published.push(message));
    await listener.subscribe(consoleInputChannel(prefix, domain));
    await appendLog(domain, 0, 'for the audience ');
    const viewer = client(undefined, true, { share: await shareFor(domain) });
    expect(await attach(viewer, domain, 4)).toEqual({ ok: true, readOnly: true });
    await publishLive(domain, 17, 'live');
    await until(() => viewer.received.text === 'the audience live', 'replay then live');
    expect(await viewer.emitWithAck('input', 'reboot\n')).toEqual({ ok: false, error: 'read-only viewer' });
    viewer.emit('resize', { cols: 10, rows: 10 });
    // The owner's keystroke goes through, and is the only thing that does.
    const alice = client('alice');
    await attach(alice, domain);
    expect(await alice.emitWithAck('input', 'ok')).toEqual({ ok: true });
    await until(() => published.length === 1, 'the owner input');
    expect(published).toEqual([Buffer.from('ok').toString('base64')]);
  });

  it("is refused for any other domain, even its own tenant's, like a missing one", async () => {
    const viewer = client(undefined, true, { share: await shareFor('d-ta-one') });
    expect(await attach(viewer, 'd-ta-other')).toEqual({ ok: false, error: 'domain not found' });
    expect(await attach(viewer, 'd-tb-foreign')).toEqual({ ok: false, error: 'domain not found' });
  });

  it("grants nothing once the domain is no longer its tenant's", async () => {
    // Signed for tenant ta over a domain that (per the access stub) belongs to tb.
    const forged = await shares.sign({ domainId: 'd-tb-moved', tenantId: 'ta', expiresAt: now() + 60_000 });
    const viewer = client(undefined, true, { share: forged });
    expect(await attach(viewer, 'd-tb-moved')).toEqual({ ok: false, error: 'domain not found' });
  });

  it('refuses an expired or tampered token at connect', async () => {
    const expired = client(undefined, true, { share: await shareFor('d-ta-late', -1) });
    expect((await connectError(expired)).message).toBe('share link expired');
    const token = await shareFor('d-ta-late');
    const [payload, signature] = token.split('.');
    const widened = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), d: 'd-ta-other' }),
    ).toString('base64url');
    const tampered = client(undefined, true, { share: `${widened}.${signature}` });
    expect((await connectError(tampered)).message).toBe('share link invalid');
    const garbage = client(undefined, true, { share: 'not-a-token' });
    expect((await connectError(garbage)).message).toBe('share link invalid');
  });

  it('refuses re-attaching after the link expired, and cuts the viewer off at expiry', async () => {
    const domain = 'd-ta-expiring';
    const viewer = client(undefined, true, { share: await shareFor(domain, 150) });
    expect(await attach(viewer, domain)).toEqual({ ok: true, readOnly: true });
    const cutOff = new Promise<string>((resolve) => viewer.on('disconnect', resolve));
    clockOffsetMs = 60_000;
    try {
      expect(await attach(viewer, domain)).toEqual({ ok: false, error: 'share link expired' });
    } finally {
      clockOffsetMs = 0;
    }
    expect(await cutOff).toBe('io server disconnect');
  });
});
