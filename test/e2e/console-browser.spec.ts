import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { consoleInputChannel, consoleLogKey, consoleOutputChannel, SESSION_COOKIE } from '@xeno/contracts';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApiConfig } from '../../apps/api/test/api-test-app';
import { configureApp } from '../../apps/api/src/app-setup';
import { ApiConfigModule } from '../../apps/api/src/config/api-config.module';
import type { ConsoleAccess } from '../../apps/api/src/console/console-access';
import { ConsoleModule } from '../../apps/api/src/console/console.module';
import { ConsoleShareTokens } from '../../apps/api/src/console/console-share-tokens';
import { webAppModules } from '../../apps/api/src/web/web-app.module';

/*
 * The browser console against the real gateway and the built web app, with a fake agent standing in for
 * the node agent: it echoes what arrives on the input channel into the log stream and the output channel,
 * the way the agent relays the guest's console. Sessions are faked too (cookie value = tenant id) until
 * the API's auth service is wired into the console module.
 */
const CHROMIUM = '/usr/bin/chromium';
const config = testApiConfig({ webDistDir: path.resolve('dist/web') });
const access: ConsoleAccess = {
  authenticate: async ({ cookie }) => {
    const tenant = new RegExp(`${SESSION_COOKIE}=(\\w+)`).exec(cookie ?? '')?.[1];
    return tenant ? { userId: `u-${tenant}`, tenantId: tenant, platformAdmin: false } : undefined;
  },
  grant: async (principal, domainId) =>
    domainId.startsWith(`d-${principal.tenantId}-`)
      ? { tenantId: principal.tenantId, readOnly: principal.tenantId === 'viewer' }
      : undefined,
};

let app: INestApplication;
let browser: Browser;
let baseUrl: string;
let redis: Redis;
let agentInput: Redis;
const domain = 'd-ta-e2e';
let seq = 0;

async function agentWrites(text: string): Promise<void> {
  const data = Buffer.from(text).toString('base64');
  // Numbered before any await, as the agent does: concurrent writes must not share a seq.
  const at = seq;
  seq += Buffer.byteLength(text);
  await redis.xadd(
    consoleLogKey(config.redisPrefix, domain),
    'MAXLEN',
    '~',
    '4096',
    '*',
    'domainId',
    domain,
    'seq',
    String(at),
    'data',
    data,
  );
  await redis.publish(
    consoleOutputChannel(config.redisPrefix, domain),
    JSON.stringify({ domainId: domain, seq: at, data }),
  );
}

beforeAll(async () => {
  @Module({
    imports: [
      ApiConfigModule.forRoot(config),
      ConsoleModule.register({ useFactory: () => access }),
      ...webAppModules(config.webDistDir),
    ],
  })
  class E2eModule {}
  app = configureApp(await NestFactory.create(E2eModule, { logger: false }));
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  redis = new Redis(config.redisUrl);
  agentInput = new Redis(config.redisUrl);
  // The fake agent: a tty-like "guest" that echoes keystrokes and answers `echo <text>` lines.
  let line = '';
  agentInput.on('message', (_channel: string, message: string) => {
    if (message.startsWith('{')) return; // a resize
    let reply = '';
    for (const char of Buffer.from(message, 'base64').toString()) {
      if (char !== '\r') {
        line += char;
        reply += char;
        continue;
      }
      const echoed = /^echo (.*)$/.exec(line)?.[1];
      reply += `\r\n${echoed === undefined ? '' : `${echoed}\r\n`}$ `;
      line = '';
    }
    void agentWrites(reply);
  });
  await agentInput.subscribe(consoleInputChannel(config.redisPrefix, domain));
  // launch() gives every run a fresh temporary profile (playwright refuses an explicit --user-data-dir).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  const keys = await redis.keys(`${config.redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  agentInput.disconnect();
});

async function consolePage(tenant: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: SESSION_COOKIE, value: tenant, url: baseUrl }]);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/#/domains/${domain}/console`);
  return { context, page };
}

/** Generous: the machine is shared and a cold page load takes seconds; responsiveness is measured separately. */
const SLOW = { timeout: 20_000 };

const screenText = (page: Page) => page.locator('.xterm-rows').innerText();

describe('browser console (fake agent)', () => {
  it('types echo hello and sees hello; after a reload the scrollback is back', async () => {
    await agentWrites('xenolite login: ok\r\n$ ');
    const { context, page } = await consolePage('ta');
    await expect.poll(() => page.getByTestId('console-status').innerText(), SLOW).toBe('connected');
    await expect.poll(() => screenText(page), SLOW).toContain('xenolite login: ok');
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('echo hello');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await screenText(page)).split('\n').some((l) => l.trim() === 'hello'), SLOW)
      .toBe(true);
    await page.screenshot({ path: 'docs/screenshots/console.png' });
    await page.reload();
    await expect.poll(() => screenText(page), SLOW).toContain('echo hello');
    await context.close();
  });

  it("another tenant's browser is refused as if the domain did not exist", async () => {
    const { context, page } = await consolePage('tb');
    await expect.poll(() => page.getByTestId('console-status').innerText(), SLOW).toBe('domain not found');
    expect(await screenText(page)).not.toContain('xenolite');
    await context.close();
  });

  it('a flood keeps the page responsive: a typed command echoes within a second afterwards', async () => {
    const { context, page } = await consolePage('ta');
    await expect.poll(() => page.getByTestId('console-status').innerText(), SLOW).toBe('connected');
    const line = 'spam '.repeat(20) + '\r\n';
    for (let i = 0; i < 2000; i++) await agentWrites(line);
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('echo alive');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await screenText(page)).split('\n').some((l) => l.trim() === 'alive'), {
        timeout: 5_000,
      })
      .toBe(true);
    // The page still paints after the flood (the renderer is not wedged); no wall-clock assertion.
    const painted = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) =>
          (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame(
            () => resolve(true),
          ),
        ),
    );
    expect(painted).toBe(true);
    await context.close();
  });

  it('a share link shows the console read-only: output arrives, its keystrokes are dropped', async () => {
    const shares = app.get(ConsoleShareTokens);
    const token = await shares.sign({ domainId: domain, tenantId: 'ta', expiresAt: Date.now() + 600_000 });
    // No session cookie: the link alone lets its holder watch.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const viewer = await context.newPage();
    await viewer.goto(`${baseUrl}/#/share/${domain}/${encodeURIComponent(token)}`);
    await expect
      .poll(() => viewer.getByTestId('console-status').innerText(), SLOW)
      .toBe('connected (read-only)');
    expect(await viewer.getByRole('link', { name: 'Download log' }).count()).toBe(0);
    await viewer.locator('.xterm-helper-textarea').focus();
    await viewer.keyboard.type('echo sneaky');
    await viewer.keyboard.press('Enter');
    // The owner types after the viewer did: once the owner's echo reached the viewer, a relayed
    // keystroke of the viewer's would have arrived before it.
    const { context: ownerContext, page: owner } = await consolePage('ta');
    await expect.poll(() => owner.getByTestId('console-status').innerText(), SLOW).toBe('connected');
    await owner.locator('.xterm-helper-textarea').focus();
    await owner.keyboard.type('echo from-owner');
    await owner.keyboard.press('Enter');
    await expect
      .poll(async () => (await screenText(viewer)).split('\n').some((l) => l.trim() === 'from-owner'), SLOW)
      .toBe(true);
    expect(await screenText(viewer)).not.toContain('sneaky');
    await viewer.screenshot({ path: 'docs/screenshots/shared-console-phone.png' });
    await ownerContext.close();

    const expired = await shares.sign({ domainId: domain, tenantId: 'ta', expiresAt: Date.now() - 1 });
    await viewer.goto(`${baseUrl}/#/share/${domain}/${encodeURIComponent(expired)}`);
    await viewer.reload();
    await expect
      .poll(() => viewer.getByTestId('console-status').innerText(), SLOW)
      .toBe('cannot connect: share link expired');
    await context.close();
  });
});
