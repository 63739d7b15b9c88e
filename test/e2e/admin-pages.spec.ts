import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SESSION_COOKIE,
  type AuditEntry,
  type DomainView,
  type FleetView,
  type RebalancePlan,
  type SessionResponse,
  type TenantUsage,
} from '@xeno/contracts';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApiConfig } from '../../apps/api/test/api-test-app';
import { configureApp } from '../../apps/api/src/app-setup';
import { ApiConfigModule } from '../../apps/api/src/config/api-config.module';
import type { ConsoleAccess } from '../../apps/api/src/console/console-access';
import { ConsoleModule } from '../../apps/api/src/console/console.module';
import { webAppModules } from '../../apps/api/src/web/web-app.module';

/*
 * The admin pages and the domain page's share button in Chromium, against the built web app and the real
 * socket gateway; the HTTP routes are answered in the browser with contract-shaped bodies (the fleet and
 * admin routes are not on this branch). What is checked is what the pages send and show.
 */
const CHROMIUM = '/usr/bin/chromium';
const config = testApiConfig({ webDistDir: path.resolve('dist/web') });
const access: ConsoleAccess = {
  authenticate: async ({ cookie }) =>
    cookie?.includes(`${SESSION_COOKIE}=`)
      ? { userId: 'u-root', tenantId: 't-ops', platformAdmin: true }
      : undefined,
  grant: async () => undefined,
};
const session: SessionResponse = {
  user: {
    id: 'u-root',
    email: 'root@example.com',
    role: 'platform-admin',
    tenantId: 't-ops',
    createdAt: '2026-12-07T08:00:00Z',
  },
  tenant: { id: 't-ops', name: 'Operations', createdAt: '2026-12-07T08:00:00Z' },
};

function agent(
  id: string,
  hostname: string,
  cpuBusy: number,
  domains: FleetView['agents'][number]['domains'],
) {
  return {
    agentId: id,
    hostname,
    state: 'ready' as const,
    capacity: { pcpus: 4, memoryMiB: 4096 },
    load: {
      memoryUsedMiB: 64 * domains.length,
      cpuBusy,
      domainCount: domains.length,
      instructionsPerSecond: 42e6,
      domainIds: [],
    },
    reservedMemoryMiB: 64 * domains.length,
    lastHeartbeatAt: new Date().toISOString(),
    enrolledAt: '2026-12-07T08:00:00Z',
    domains,
  };
}
const fleetDomain = (id: string, name: string) => ({
  id,
  tenantId: 't-a',
  name,
  state: 'running',
  memoryMiB: 64,
  vcpus: 1,
});
const entry = (i: number): AuditEntry => ({
  id: `a-${i}`,
  actorUserId: i % 2 ? 'u-ada' : null,
  tenantId: 't-a',
  action: i % 2 ? 'domain.action.start' : 'agent.cordon',
  target: `domain:d-${i}`,
  result: i === 3 ? 'refused' : 'ok',
  detail: i === 3 ? 'quota exceeded' : null,
  at: new Date(Date.UTC(2026, 11, 7, 12, 60 - i)).toISOString(),
});

/** The fake admin HTTP API for one browser context. */
class FakeAdminApi {
  readonly posted: Array<{ path: string; body: unknown }> = [];
  readonly fleet: FleetView = {
    agents: [
      agent('ag-1', 'node-a', 0.72, [fleetDomain('d-1', 'web-1'), fleetDomain('d-2', 'db-1')]),
      agent('ag-2', 'node-b', 0.08, []),
    ],
  };
  readonly domain: DomainView = {
    id: 'd-1',
    tenantId: 't-ops',
    name: 'web-1',
    imageId: 'xenolite',
    memoryMiB: 64,
    vcpus: 1,
    weight: 256,
    cmdline: '',
    state: 'running',
    agentId: 'ag-1',
    lastShutdownReason: null,
    stateDetail: null,
    createdAt: '2026-12-07T08:00:00Z',
    updatedAt: '2026-12-07T08:00:00Z',
  };

  async handle(route: Route): Promise<void> {
    const request = route.request();
    const url = new URL(request.url());
    const key = `${request.method()} ${url.pathname}`;
    const body: unknown = request.postData() ? JSON.parse(request.postData()!) : undefined;
    if (request.method() !== 'GET') this.posted.push({ path: url.pathname, body });
    const reply = (status: number, json?: unknown) =>
      route.fulfill({
        status,
        contentType: 'application/json',
        body: json === undefined ? '' : JSON.stringify(json),
      });
    const plan: RebalancePlan = {
      imbalanceBefore: 0.5,
      imbalanceAfter: 0.1,
      moves: [
        { domainId: 'd-2', fromAgentId: 'ag-1', toAgentId: 'ag-2', memoryMiB: 64, reason: 'spread memory' },
      ],
    };
    switch (key) {
      case 'GET /api/auth/me':
        return reply(200, session);
      case 'GET /api/admin/fleet':
        return reply(200, this.fleet);
      case 'POST /api/admin/agents/ag-1/cordon':
        this.fleet.agents[0]!.state = 'cordoned';
        return reply(200, this.fleet.agents[0]);
      case 'POST /api/admin/agents/ag-2/drain':
        return reply(409, { statusCode: 409, message: 'no other ready agent has room for its domains' });
      case 'POST /api/admin/domains/d-1/move':
        return reply(202, { id: 'act-1', domainId: 'd-1', action: 'move', status: 'queued' });
      case 'GET /api/admin/rebalance':
        return reply(200, plan);
      case 'POST /api/admin/rebalance':
        return reply(200, { ...plan, actions: [] });
      case 'GET /api/audit':
        return url.searchParams.get('before')
          ? reply(200, { entries: [entry(5), entry(6)], before: null })
          : reply(200, { entries: [1, 2, 3, 4].map(entry), before: entry(4).at });
      case 'GET /api/admin/usage':
        return reply(200, [
          {
            tenantId: 't-a',
            domainHours: 12.5,
            cpuSeconds: 3600.25,
            instructions: 1.5e12,
            since: '2026-12-01T00:00:00Z',
            until: '2026-12-07T00:00:00Z',
          },
          {
            tenantId: 't-b',
            domainHours: 0.75,
            cpuSeconds: 12,
            instructions: 4e9,
            since: '2026-12-01T00:00:00Z',
            until: '2026-12-07T00:00:00Z',
          },
        ] satisfies TenantUsage[]);
      case 'GET /api/domains/d-1':
        return reply(200, this.domain);
      case 'POST /api/domains/d-1/console/share':
        return reply(201, { token: 'tok.sig', domainId: 'd-1', expiresAt: '2026-12-07T14:00:00Z' });
    }
    return reply(404, { statusCode: 404, message: `no route ${key}` });
  }
}

let app: INestApplication;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  @Module({
    imports: [
      ApiConfigModule.forRoot(config),
      ConsoleModule.register({ useFactory: () => access }),
      ...webAppModules(config.webDistDir),
    ],
  })
  class AdminPagesModule {}
  app = configureApp(await NestFactory.create(AdminPagesModule, { logger: false }));
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function openAdmin(
  hash: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; api: FakeAdminApi }> {
  const context = await browser.newContext({ viewport });
  await context.addCookies([{ name: SESSION_COOKIE, value: 's', url: baseUrl }]);
  const api = new FakeAdminApi();
  await context.route('**/api/**', (route) => api.handle(route));
  const page = await context.newPage();
  await page.goto(`${baseUrl}/#${hash}`);
  return { page, api };
}

const SLOW = { timeout: 20_000 };

describe('admin pages (fake HTTP routes)', () => {
  it('fleet: agents with load and domains; cordon, a refused drain shown inline, move, rebalance', async () => {
    const { page, api } = await openAdmin('/admin');
    const nodeA = page.getByRole('article', { name: 'Agent node-a' });
    await nodeA.waitFor(SLOW);
    expect(await nodeA.getByTestId('graph-CPU busy').innerText()).toBe('72 %');
    expect(await nodeA.getByRole('table', { name: 'Domains on node-a' }).innerText()).toMatch(
      /web-1[\s\S]*db-1/,
    );
    expect(await page.locator('.nav-bar').innerText()).toContain('Fleet');

    await nodeA.getByRole('button', { name: 'Cordon' }).click();
    await expect.poll(() => nodeA.locator('.state').innerText(), SLOW).toBe('cordoned');
    const nodeB = page.getByRole('article', { name: 'Agent node-b' });
    await nodeB.getByRole('button', { name: 'Drain' }).click();
    expect(await nodeB.getByRole('alert').innerText()).toBe('no other ready agent has room for its domains');

    await nodeA.getByLabel('Move web-1 to').selectOption({ label: 'node-b' });
    await nodeA.getByRole('row', { name: /web-1/ }).getByRole('button', { name: 'Move' }).click();
    await expect
      .poll(() => api.posted.find((p) => p.path === '/api/admin/domains/d-1/move')?.body, SLOW)
      .toEqual({ targetAgentId: 'ag-2' });

    const rebalance = page.getByRole('region', { name: 'Rebalance' });
    await rebalance.getByRole('button', { name: 'Propose' }).click();
    await expect
      .poll(() => rebalance.getByTestId('rebalance-summary').innerText(), SLOW)
      .toBe('imbalance 50.0 % → 10.0 % · 1 moves');
    expect(await rebalance.innerText()).toContain('node-a → node-b');
    await rebalance.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => rebalance.getByTestId('rebalance-summary').innerText(), SLOW)
      .toContain('applied');
    expect(api.posted.filter((p) => p.path === '/api/admin/rebalance')).toHaveLength(1);
    await page.screenshot({ path: 'docs/screenshots/admin-fleet.png', fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    // Nothing wider than the phone: cards stack and tables scroll inside their box.
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(390);
    await page.screenshot({ path: 'docs/screenshots/admin-fleet-phone.png', fullPage: true });
    await page.context().close();
  });

  it('audit log pages back with the cursor; usage lists every tenant', async () => {
    const { page } = await openAdmin('/audit');
    const table = page.getByRole('table', { name: 'Audit entries' });
    await expect.poll(() => table.getByRole('row').count(), SLOW).toBe(5); // header + 4
    expect(await table.innerText()).toContain('quota exceeded');
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => table.getByRole('row').count(), SLOW).toBe(7);
    expect(await page.getByRole('button', { name: 'Older' }).count()).toBe(0);
    await page.screenshot({ path: 'docs/screenshots/admin-audit.png', fullPage: true });

    await page.getByRole('link', { name: 'Usage' }).click();
    const usage = page.getByRole('table', { name: 'Usage' });
    await expect.poll(() => usage.getByRole('row').count(), SLOW).toBe(3);
    expect(await usage.innerText()).toMatch(/t-a\s+12\.50\s+3600\.3/);
    await page.screenshot({ path: 'docs/screenshots/admin-usage.png' });
    await page.context().close();
  });

  it('domain page: the share button shows a read-only link; the traffic graph is there', async () => {
    const { page, api } = await openAdmin('/domains/d-1');
    const share = page.getByRole('region', { name: 'Share console' });
    await share.waitFor(SLOW);
    await share.getByLabel(/Read-only link valid for/).selectOption({ label: '15 minutes' });
    await share.getByRole('button', { name: 'Share console' }).click();
    await expect
      .poll(() => share.getByLabel('Share link').inputValue(), SLOW)
      .toBe(`${baseUrl}/#/share/d-1/tok.sig`);
    expect(api.posted).toContainEqual({ path: '/api/domains/d-1/console/share', body: { ttlSeconds: 900 } });
    await page.getByRole('img', { name: 'Console traffic' }).waitFor(SLOW);
    await page.screenshot({ path: 'docs/screenshots/domain-share.png', fullPage: true });
    await page.context().close();
  });
});
