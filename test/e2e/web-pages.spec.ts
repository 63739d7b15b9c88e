import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  domainEventsChannel,
  SESSION_COOKIE,
  type DomainView,
  type ImageCatalogEntry,
  type QuotaView,
  type SessionResponse,
} from '@xeno/contracts';
import { Redis } from 'ioredis';
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
 * The built web app's pages in Chromium. The socket gateway (/events) is the real one on real Redis; the
 * HTTP routes are answered in the browser (page.route) with contract-shaped bodies, because the API's
 * auth/domain routes are not on this branch yet. What is checked is the web app: rendering, client-side
 * validation, API errors shown where they happen, and live state from /events pushes.
 */
const CHROMIUM = '/usr/bin/chromium';
const config = testApiConfig({ webDistDir: path.resolve('dist/web') });
const TENANT = 't-web';
const access: ConsoleAccess = {
  authenticate: async ({ cookie }) =>
    cookie?.includes(`${SESSION_COOKIE}=`)
      ? { userId: 'u-web', tenantId: TENANT, platformAdmin: false }
      : undefined,
  grant: async () => undefined,
};

const session: SessionResponse = {
  user: {
    id: 'u-web',
    email: 'ada@example.com',
    role: 'owner',
    tenantId: TENANT,
    createdAt: '2026-12-07T08:00:00Z',
  },
  tenant: { id: TENANT, name: 'Analytical Engines', createdAt: '2026-12-07T08:00:00Z' },
};
const xenolite: ImageCatalogEntry = {
  id: 'xenolite',
  name: 'Xenolite',
  version: '1.0',
  description: 'tiny shell',
  defaults: { memoryMiB: 16, vcpus: 1, cmdline: '' },
  minMemoryMiB: 8,
  prompt: '$ ',
};
const quota: QuotaView = {
  tenantId: TENANT,
  limits: { maxDomains: 10, maxMemoryMiB: 64, maxVcpus: 4 },
  used: { domains: 0, memoryMiB: 0, vcpus: 0 },
};

/** The fake HTTP API's state for one browser context. */
class FakeApi {
  signedIn = false;
  domains: DomainView[] = [];
  readonly posted: Array<{ path: string; body: unknown }> = [];

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
    if (key === 'POST /api/auth/login')
      return reply(401, { statusCode: 401, message: 'wrong email or password', error: 'Unauthorized' });
    if (key === 'POST /api/auth/signup') {
      this.signedIn = true;
      await route
        .request()
        .frame()
        .page()
        .context()
        .addCookies([{ name: SESSION_COOKIE, value: 's', url: baseUrl }]);
      return reply(201, session);
    }
    if (!this.signedIn) return reply(401, { statusCode: 401, message: 'not signed in' });
    if (key === 'GET /api/auth/me') return reply(200, session);
    if (key === 'POST /api/auth/logout') return ((this.signedIn = false), reply(204));
    if (key === 'GET /api/images') return reply(200, { images: [xenolite] });
    if (key === 'GET /api/quota') return reply(200, quota);
    if (key === 'GET /api/domains') return reply(200, { domains: this.domains });
    if (key === 'POST /api/domains') {
      const spec = body as { name: string; memoryMiB: number; vcpus: number; imageId: string };
      if (this.domains.some((d) => d.name === spec.name))
        return reply(409, { statusCode: 409, message: `a domain named ${spec.name} already exists` });
      const domain = newDomain(spec);
      this.domains.push(domain);
      return reply(201, domain);
    }
    const one = /^\/api\/domains\/([^/]+)(\/actions)?$/.exec(url.pathname);
    const domain = this.domains.find((d) => d.id === one?.[1]);
    if (one && !domain) return reply(404, { statusCode: 404, message: 'domain not found' });
    if (domain && request.method() === 'GET' && !one![2]) return reply(200, domain);
    if (domain && key.startsWith('POST') && one![2])
      return reply(409, {
        statusCode: 409,
        error: 'Conflict',
        message: `cannot ${(body as { action: string }).action} a domain that is ${domain.state}`,
        state: domain.state,
        action: (body as { action: string }).action,
      });
    if (key === 'GET /api/tokens') return reply(200, []);
    if (key === 'POST /api/tokens')
      return reply(201, {
        id: 'tok-1',
        name: (body as { name: string }).name,
        prefix: 'xt_3f9a',
        token: 'xt_3f9a-secret-shown-once',
        createdAt: '2026-12-07T08:00:00Z',
        lastUsedAt: null,
        expiresAt: null,
      });
    return reply(404, { statusCode: 404, message: `no route ${key}` });
  }
}

function newDomain(spec: { name: string; memoryMiB: number; vcpus: number; imageId: string }): DomainView {
  return {
    id: `d-${spec.name}`,
    tenantId: TENANT,
    weight: 256,
    cmdline: '',
    state: 'stopped',
    agentId: null,
    lastShutdownReason: null,
    stateDetail: null,
    createdAt: '2026-12-07T08:00:00Z',
    updatedAt: '2026-12-07T08:00:00Z',
    ...spec,
  };
}

let app: INestApplication;
let browser: Browser;
let baseUrl: string;
let redis: Redis;

beforeAll(async () => {
  @Module({
    imports: [
      ApiConfigModule.forRoot(config),
      ConsoleModule.register({ useFactory: () => access }),
      ...webAppModules(config.webDistDir),
    ],
  })
  class WebPagesModule {}
  app = configureApp(await NestFactory.create(WebPagesModule, { logger: false }));
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  redis = new Redis(config.redisUrl);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  redis?.disconnect();
});

async function openApp(viewport = { width: 1280, height: 800 }): Promise<{ page: Page; api: FakeApi }> {
  const context = await browser.newContext({ viewport });
  const api = new FakeApi();
  await context.route('**/api/**', (route) => api.handle(route));
  const page = await context.newPage();
  await page.goto(`${baseUrl}/#/`);
  return { page, api };
}

const SLOW = { timeout: 20_000 };
const alertIn = (page: Page, form: string) => page.getByRole('form', { name: form }).getByRole('alert');

async function signUp(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Email').fill('ada@example.com');
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByLabel('Organisation').fill('Analytical Engines');
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Domains' }).waitFor(SLOW);
}

describe('web app pages (fake HTTP routes, real /events)', () => {
  it('validates sign-up, shows the API refusing a log-in, then signs up', async () => {
    const { page, api } = await openApp();
    await page.getByRole('form', { name: 'Log in' }).waitFor(SLOW);
    await page.screenshot({ path: 'docs/screenshots/sign-in.png' });

    const signUpForm = page.getByRole('form', { name: 'Sign up' });
    await signUpForm.getByLabel('Email').fill('ada@example.com');
    await signUpForm.getByLabel('Password').fill('short');
    await signUpForm.getByLabel('Organisation').fill('Analytical Engines');
    await signUpForm.getByRole('button', { name: 'Create account' }).click();
    expect(await alertIn(page, 'Sign up').innerText()).toContain('at least 10 characters');
    expect(api.posted).toEqual([]);

    const logIn = page.getByRole('form', { name: 'Log in' });
    await logIn.getByLabel('Email').fill('ada@example.com');
    await logIn.getByLabel('Password').fill('not the password');
    await logIn.getByRole('button', { name: 'Log in' }).click();
    expect(await alertIn(page, 'Log in').innerText()).toBe('wrong email or password');

    await signUp(page);
    expect(await page.locator('.nav-bar').innerText()).toContain('ada@example.com');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('form', { name: 'Log in' }).waitFor(SLOW);
    await page.context().close();
  });

  it('create-domain form: quota shown, bad input refused locally, API conflict shown, list updates live', async () => {
    const { page, api } = await openApp();
    await signUp(page);
    const form = page.getByRole('form', { name: 'Create domain' });
    expect(await form.getByLabel('Quota').innerText()).toContain('0/64 MiB');
    await expect.poll(() => form.getByLabel('Memory (MiB)').inputValue(), SLOW).toBe('16');

    await form.getByLabel('Name').fill('Bad Name');
    await form.getByRole('button', { name: 'Create' }).click();
    expect(await alertIn(page, 'Create domain').innerText()).toContain('lowercase');
    await form.getByLabel('Name').fill('web-1');
    await form.getByLabel('Memory (MiB)').fill('128');
    await form.getByRole('button', { name: 'Create' }).click();
    expect(await alertIn(page, 'Create domain').innerText()).toContain('only 64 MiB');
    expect(api.posted).toHaveLength(1); // the sign-up only

    await form.getByLabel('Memory (MiB)').fill('16');
    await form.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('table', { name: 'Domains' }).getByRole('row', { name: /web-1/ });
    await row.waitFor(SLOW);
    expect(await row.innerText()).toContain('stopped');

    await form.getByLabel('Name').fill('web-1');
    await form.getByRole('button', { name: 'Create' }).click();
    expect(await alertIn(page, 'Create domain').innerText()).toBe('a domain named web-1 already exists');

    // A state change published by the API reaches the page over /events, and the row is re-read.
    api.domains[0]!.state = 'running';
    await expect
      .poll(async () => {
        await redis.publish(
          domainEventsChannel(config.redisPrefix),
          JSON.stringify({ tenantId: TENANT, domainId: 'd-web-1', state: 'running' }),
        );
        return row.innerText();
      }, SLOW)
      .toContain('running');
    await page.screenshot({ path: 'docs/screenshots/domains.png' });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'docs/screenshots/domains-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    await row.getByRole('link', { name: 'web-1' }).click();
    await page.getByRole('heading', { name: /web-1/ }).waitFor(SLOW);
    await page.getByRole('button', { name: 'resume' }).click();
    expect(await page.getByRole('region', { name: 'Actions' }).getByRole('alert').innerText()).toBe(
      'cannot resume a domain that is running',
    );
    await page.screenshot({ path: 'docs/screenshots/domain.png' });

    await page.goto(`${baseUrl}/#/domains/d-nope`);
    expect(await page.getByRole('alert').innerText()).toBe('domain not found');
    await page.context().close();
  });

  it('tokens page validates and shows the new secret once', async () => {
    const { page } = await openApp();
    await signUp(page);
    await page.getByRole('link', { name: 'API tokens' }).click();
    const form = page.getByRole('form', { name: 'Create token' });
    await form.waitFor(SLOW);
    await form.getByLabel('Name').fill('ci');
    await form.getByLabel('Expires in days').fill('900');
    await form.getByRole('button', { name: 'Create token' }).click();
    expect(await alertIn(page, 'Create token').innerText()).toContain('1–365');
    await form.getByLabel('Expires in days').fill('');
    await form.getByRole('button', { name: 'Create token' }).click();
    expect(await form.getByLabel('New token').innerText()).toContain('xt_3f9a-secret-shown-once');
    await page.screenshot({ path: 'docs/screenshots/tokens.png' });
    await page.context().close();
  });
});
