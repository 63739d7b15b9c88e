import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayStack, type ThrowawayStack } from '../../load-tests/src/stack';

/*
 * The browser against what `npm start` runs: the built API (serving the built web app) and a node agent
 * booting a real xenolite guest, on a database and Redis prefix of their own. Needs `npm run build` first.
 */
const CHROMIUM = '/usr/bin/chromium';
let stack: ThrowawayStack;
let browser: Browser;

/** The platform admin the API creates on first start (ADMIN_EMAIL / ADMIN_PASSWORD). */
const ADMIN = {
  email: `admin-${randomBytes(3).toString('hex')}@example.com`,
  password: 'staple battery horse',
};

beforeAll(async () => {
  process.env.ADMIN_EMAIL = ADMIN.email;
  process.env.ADMIN_PASSWORD = ADMIN.password;
  stack = await startThrowawayStack(2);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 120_000);

/** Debian's kernel cannot be committed: the Linux test needs `npm run build:image:linux` (CI runs it). */
const linuxImage = path.join(
  process.env.DATA_DIR ?? path.resolve(__dirname, '../../.data'),
  'images',
  'debian-linux',
);
const linuxBuilt = existsSync(path.join(linuxImage, 'image.json'));
if (!linuxBuilt)
  console.log(`[e2e] Linux browser test skipped: no image at ${linuxImage} (run npm run build:image:linux)`);

/** Booting a guest on the emulated CPU on a shared 2-core machine takes a while. */
const BOOT = { timeout: 180_000 };
const SLOW = { timeout: 30_000 };
/** Debian's kernel runs ~2 G instructions to its prompt: 40-60 s alone, minutes with the machine busy. */
const LINUX_BOOT = { timeout: 400_000, interval: 1000 };
const screenText = (page: Page) => page.locator('.xterm-rows').innerText();
const lines = async (page: Page) => (await screenText(page)).split('\n').map((line) => line.trim());

/** The admin's session cookie, from the API's log-in route. */
async function adminCookie(): Promise<string> {
  const response = await fetch(`${stack.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0];
}

async function signUp(page: Page, organisation: string): Promise<void> {
  await page.goto(`${stack.baseUrl}/#/`);
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Email').fill(`e2e-${randomBytes(4).toString('hex')}@example.com`);
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByLabel('Organisation').fill(organisation);
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Domains' }).waitFor(SLOW);
}

describe('browser against the real stack (API + agent)', () => {
  it('sign up → create xenolite → console → echo hello → hello; reload keeps the scrollback; another tenant is refused', async () => {
    const owner = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signUp(owner, 'Real Stack Co');
    const form = owner.getByRole('form', { name: 'Create domain' });
    await expect.poll(() => form.getByLabel('Memory (MiB)').inputValue(), SLOW).not.toBe('');
    await form.getByLabel('Name').fill('hello-1');
    await form.getByRole('button', { name: 'Create' }).click();
    const row = owner.getByRole('table', { name: 'Domains' }).getByRole('row', { name: /hello-1/ });
    await row.waitFor(SLOW);
    await row.getByRole('link', { name: 'hello-1' }).click();
    await owner.getByRole('heading', { name: /hello-1/ }).waitFor(SLOW);
    const domainUrl = owner.url();
    if (!(await owner.locator('.state').innerText()).includes('running'))
      await owner.getByRole('button', { name: 'start', exact: true }).click();
    await expect.poll(() => owner.getByTestId('console-status').innerText(), SLOW).toBe('connected');
    await expect.poll(() => screenText(owner), BOOT).toContain('$');
    await owner.locator('.xterm-helper-textarea').focus();
    await owner.keyboard.type('echo hello');
    await owner.keyboard.press('Enter');
    await expect.poll(async () => (await lines(owner)).includes('hello'), SLOW).toBe(true);
    // The agent's heartbeats carry the domain's figures: its graphs fill in (pushed, not polled).
    await expect.poll(() => owner.getByTestId('graph-Memory').innerText(), SLOW).toMatch(/^\d+ MiB$/);
    await expect.poll(() => owner.getByTestId('graph-CPU').innerText(), SLOW).toMatch(/^[\d.]+ % CPU$/);

    await owner.screenshot({ path: 'docs/screenshots/real-stack-console.png', fullPage: true });
    await owner.reload();
    await expect.poll(() => screenText(owner), SLOW).toContain('echo hello');

    // A platform admin moves the running domain to the other agent (snapshot there, restore here): the
    // owner's page follows it, the console keeps its history and answers on the new agent.
    const agentOf = async () => /agent (\S+)$/.exec(await owner.locator('p.meta').first().innerText())?.[1];
    const source = await agentOf();
    const domainId = decodeURIComponent(domainUrl.split('/').pop()!);
    const moved = await fetch(`${stack.baseUrl}/api/admin/domains/${domainId}/move`, {
      method: 'POST',
      headers: { cookie: await adminCookie(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(moved.status).toBe(202);
    await expect.poll(agentOf, BOOT).not.toBe(source);
    await expect.poll(() => owner.locator('.state').innerText(), BOOT).toContain('running');
    await expect.poll(() => owner.getByTestId('console-status').innerText(), SLOW).toBe('connected');
    await owner.locator('.xterm-helper-textarea').focus();
    await owner.keyboard.type('echo moved');
    await owner.keyboard.press('Enter');
    await expect.poll(async () => (await lines(owner)).includes('moved'), SLOW).toBe(true);
    expect(await screenText(owner)).toContain('echo hello');

    const stranger = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signUp(stranger, 'Other Co');
    expect(await stranger.locator('main').innerText()).not.toContain('hello-1');
    await stranger.goto(domainUrl);
    expect(await stranger.getByRole('alert').innerText()).toBe('domain not found');
    await stranger.goto(`${domainUrl}/console`);
    await expect
      .poll(() => stranger.getByTestId('console-status').innerText(), SLOW)
      .toBe('domain not found');
    expect(await screenText(stranger)).not.toContain('hello');
  }, 290_000);

  it("a platform admin sees the real fleet (agent load, every tenant's domains), cordons, and finds it in the audit log and usage", async () => {
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await admin.goto(`${stack.baseUrl}/#/`);
    const login = admin.getByRole('form', { name: 'Log in' });
    await login.getByLabel('Email').fill(ADMIN.email);
    await login.getByLabel('Password').fill(ADMIN.password);
    await login.getByRole('button', { name: 'Log in' }).click();
    await admin.getByRole('heading', { name: 'Domains' }).waitFor(SLOW);
    await admin.goto(`${stack.baseUrl}/#/admin`);
    // The agent the first test's domain runs on (two agents: it may be either).
    const agent = admin.getByRole('article', { name: /^Agent / }).filter({ hasText: 'hello-1' });
    await agent.waitFor(SLOW);
    // Live load from the agent's heartbeats, and the first test's domain (another tenant's) on it.
    await expect.poll(() => agent.getByTestId('graph-CPU busy').innerText(), SLOW).toMatch(/%/);
    await expect.poll(() => agent.getByRole('table').innerText(), SLOW).toContain('hello-1');
    await agent.getByRole('button', { name: 'Cordon' }).click();
    await expect.poll(() => agent.locator('.state').innerText(), SLOW).toBe('cordoned');
    await admin.screenshot({ path: 'docs/screenshots/real-stack-admin-fleet.png', fullPage: true });
    await agent.getByRole('button', { name: 'Uncordon' }).click();
    await expect.poll(() => agent.locator('.state').innerText(), SLOW).toBe('ready');

    await admin.goto(`${stack.baseUrl}/#/audit`);
    const entries = admin.getByRole('table', { name: 'Audit entries' });
    await expect.poll(() => entries.innerText(), SLOW).toContain('agent.uncordon');
    expect(await entries.innerText()).toContain('agent.cordon');
    await admin.goto(`${stack.baseUrl}/#/admin/usage`);
    // Every tenant that ran something has a row (header + at least the first test's tenant).
    await expect
      .poll(() => admin.getByRole('table', { name: 'Usage' }).getByRole('row').count(), SLOW)
      .toBeGreaterThan(1);
    await admin.context().close();
  }, 120_000);

  it('on a real guest: spam 100000 leaves the page answering; a share link watches read-only', async () => {
    const owner = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signUp(owner, 'Flood Co');
    const form = owner.getByRole('form', { name: 'Create domain' });
    await expect.poll(() => form.getByLabel('Memory (MiB)').inputValue(), SLOW).not.toBe('');
    await form.getByLabel('Name').fill('flood-1');
    await form.getByRole('button', { name: 'Create' }).click();
    const row = owner.getByRole('table', { name: 'Domains' }).getByRole('row', { name: /flood-1/ });
    await row.waitFor(SLOW);
    await row.getByRole('link', { name: 'flood-1' }).click();
    await owner.getByRole('heading', { name: /flood-1/ }).waitFor(SLOW);
    if (!(await owner.locator('.state').innerText()).includes('running'))
      await owner.getByRole('button', { name: 'start', exact: true }).click();
    await expect.poll(() => owner.getByTestId('console-status').innerText(), SLOW).toBe('connected');
    await expect.poll(() => screenText(owner), BOOT).toContain('$');

    const share = owner.getByRole('region', { name: 'Share console' });
    await share.getByRole('button', { name: 'Share console' }).click();
    const link = await share.getByLabel('Share link').inputValue();
    const viewer = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await viewer.goto(link);
    await expect
      .poll(() => viewer.getByTestId('console-status').innerText(), SLOW)
      .toBe('connected (read-only)');
    await viewer.locator('.xterm-helper-textarea').focus();
    await viewer.keyboard.type('echo sneaky');
    await viewer.keyboard.press('Enter');

    await owner.locator('.xterm-helper-textarea').focus();
    await owner.keyboard.type('spam 100000');
    await owner.keyboard.press('Enter');
    await owner.keyboard.type('echo after-flood');
    await owner.keyboard.press('Enter');
    // The flood and then the command's answer reach both pages; the viewer's keystrokes never did.
    for (const page of [owner, viewer])
      await expect.poll(async () => (await lines(page)).includes('after-flood'), BOOT).toBe(true);
    expect(await screenText(viewer)).not.toContain('sneaky');
    // Still painting (not wedged by the flood): no wall-clock assertion.
    const painted = await owner.evaluate(
      () =>
        new Promise<boolean>((resolve) =>
          (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame(
            () => resolve(true),
          ),
        ),
    );
    expect(painted).toBe(true);
    for (const page of [owner, viewer]) await page.context().close();
  }, 300_000);

  it('an owner invites a teammate by link; the teammate sets a password and works in the same tenant', async () => {
    const owner = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signUp(owner, 'Team Co');
    await owner.getByRole('link', { name: 'Members' }).click();
    await owner.getByRole('heading', { name: 'Members of Team Co' }).waitFor(SLOW);
    const invite = owner.getByRole('form', { name: 'Invite a member' });
    const teammate = `mate-${randomBytes(3).toString('hex')}@example.com`;
    await invite.getByLabel('Email').fill(teammate);
    await invite.getByRole('button', { name: 'Invite' }).click();
    const link = await invite.getByLabel('Invite link').inputValue();
    expect(link).toMatch(/#\/invite\/xi_/);
    await expect
      .poll(() => owner.getByRole('table', { name: 'Invites' }).innerText(), SLOW)
      .toContain(teammate);
    await owner.screenshot({ path: 'docs/screenshots/members.png', fullPage: true });

    const mate = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await mate.goto(link);
    const accept = mate.getByRole('form', { name: 'Accept invite' });
    await accept.getByLabel('Password').fill('short');
    await accept.getByRole('button', { name: 'Join' }).click();
    expect(await accept.getByRole('alert').innerText()).toContain('at least 10 characters');
    await accept.getByLabel('Password').fill('a long enough teammate password');
    await accept.getByRole('button', { name: 'Join' }).click();
    await mate.getByRole('heading', { name: 'Domains' }).waitFor(SLOW);
    expect(await mate.locator('.who').innerText()).toBe(`${teammate} · Team Co`);
    await mate.getByRole('link', { name: 'Members' }).click();
    const members = mate.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.getByRole('row').count(), SLOW).toBe(3); // header, owner, member
    expect(await members.innerText()).toMatch(new RegExp(`${teammate}\\s+member`));
    // Members do not administer the tenant: no invitations section for them.
    expect(await mate.getByRole('form', { name: 'Invite a member' }).count()).toBe(0);
    // The link was for one use.
    const again = await (await browser.newContext()).newPage();
    await again.goto(link);
    await again
      .getByRole('form', { name: 'Accept invite' })
      .getByLabel('Password')
      .fill('another long password');
    await again.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => again.getByRole('alert').innerText(), SLOW).toMatch(/already|used|accepted/i);
    for (const page of [owner, mate, again]) await page.context().close();
  }, 120_000);

  it.skipIf(!linuxBuilt)(
    'launch "Debian Linux (busybox)" → a shell named after the domain → commands → reboot → shell again → stop powers it off',
    async () => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await signUp(page, 'Linux Co');
      const form = page.getByRole('form', { name: 'Create domain' });
      await expect.poll(() => form.getByLabel('Memory (MiB)').inputValue(), SLOW).not.toBe('');
      await form.getByLabel('Image').selectOption('debian-linux');
      await expect.poll(() => form.getByLabel('Memory (MiB)').inputValue(), SLOW).toBe('128');
      await form.getByLabel('Name').fill('tux-1');
      await form.getByRole('button', { name: 'Create' }).click();
      const row = page.getByRole('table', { name: 'Domains' }).getByRole('row', { name: /tux-1/ });
      await row.waitFor(SLOW);
      await row.getByRole('link', { name: 'tux-1' }).click();
      await page.getByRole('heading', { name: /tux-1/ }).waitFor(SLOW);
      if (!(await page.locator('.state').innerText()).includes('running'))
        await page.getByRole('button', { name: 'start', exact: true }).click();
      await expect.poll(() => page.getByTestId('console-status').innerText(), SLOW).toBe('connected');
      // /init names the host from xenstore, so the prompt carries the domain's name.
      const atPrompt = async () => (await lines(page)).filter(Boolean).pop() === 'tux-1:/ #';
      await expect.poll(atPrompt, LINUX_BOOT).toBe(true);

      await runInShell(page, 'echo $((6*7))', (out) => out.includes('42'));
      await runInShell(page, 'uname -r', (out) => out.some((l) => /^6\.\d+\.\d+-\d+-cloud-amd64$/.test(l)));
      await page.screenshot({ path: 'docs/screenshots/linux-console.png', fullPage: true });

      // Reboot from the API goes to the guest through xenstore control/shutdown; the kernel boots again.
      await page.getByRole('button', { name: 'reboot', exact: true }).click();
      await expect
        .poll(async () => /Restarting system|Linux version/.test(await screenText(page)), LINUX_BOOT)
        .toBe(true);
      await expect.poll(atPrompt, LINUX_BOOT).toBe(true);
      await runInShell(page, 'echo again-$((2*21))', (out) => out.includes('again-42'));

      // Stop asks the guest to power off (xenstore), so it ends cleanly, not by the forced destroy.
      await page.getByRole('button', { name: 'stop', exact: true }).click();
      await expect.poll(() => page.locator('.state').innerText(), LINUX_BOOT).toBe('stopped');
      expect(await page.getByTestId('shutdown-reason').innerText()).toBe('last shutdown: poweroff');
    },
    900_000,
  );
});

/** Types a command into the shell and waits for its output on the screen. */
async function runInShell(
  page: Page,
  command: string,
  done: (screenLines: string[]) => boolean,
): Promise<void> {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await expect.poll(async () => done(await lines(page)), SLOW).toBe(true);
}
