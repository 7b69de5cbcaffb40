import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SpawnedGateway, SpawnedProcess } from '../helpers/gateway-process.js';
import { launchChromium } from '../helpers/browser.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { freePort } from '../helpers/redis-server.js';

// The dashboard in a real (headless) browser, over a queue-mode gateway with two workers.
const MASTER = 'sk-dashboard-test';

// The queue fixture's tools, behind a master key.
const env = { ...queueEnv(inject('redisUrl')), LITELLM_MASTER_KEY: MASTER };
let gateway: SpawnedGateway;
let workers: { process: SpawnedProcess; metricsPort: number }[];
let browser: Browser;

const withMaster = { authorization: `Bearer ${MASTER}` };

beforeAll(async () => {
  const ports = [await freePort(), await freePort()];
  gateway = await startQueueGateway(env);
  workers = await Promise.all(
    ports.map(async (metricsPort) => ({
      process: await startWorker({ ...env, WORKER_METRICS_PORT: String(metricsPort) }),
      metricsPort,
    })),
  );
  await waitForWorkers(gateway, 2);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.stop(), ...(workers ?? []).map((worker) => worker.process.stop())]);
});

describe('access', () => {
  it('refuses the page and its data route without the master key, asking a browser for it', async () => {
    for (const path of ['/ui', '/v1/status']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="toolgate"/);
    }
    const generated = await fetch(`${gateway.url}/key/generate`, {
      method: 'POST',
      headers: { ...withMaster, 'content-type': 'application/json' },
      body: '{}',
    });
    const { key } = (await generated.json()) as { key: string };
    for (const path of ['/ui', '/v1/status'])
      expect((await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
  });
});

describe('the page', () => {
  it('loads without console errors, shows both live workers, and lists a call made meanwhile', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: MASTER } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    try {
      await page.goto(`${gateway.url}/ui`);
      await page.locator('#worker-count', { hasText: /^2$/ }).waitFor({ timeout: 10_000 });
      const workerRows = page.locator('#workers tbody tr');
      await expect.poll(() => workerRows.count()).toBe(2);
      const status = (await (await fetch(`${gateway.url}/v1/status`, { headers: withMaster })).json()) as {
        workers: { workerId: string; threads: number }[];
      };
      expect(status.workers.map((worker) => worker.threads)).toEqual([2, 2]);
      for (const { workerId } of status.workers)
        await expect.poll(() => page.locator('#workers').textContent()).toContain(workerId);

      // A call made while the page is open appears by itself, with the worker that ran it.
      const called = await fetch(`${gateway.url}/mcp/call_tool`, {
        method: 'POST',
        headers: { ...withMaster, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'whoami', arguments: {} }),
      });
      expect(called.status).toBe(200);
      const row = page.locator('#recent-calls tbody tr', { hasText: 'whoami' });
      await row.waitFor({ timeout: 8_000 });
      expect(await row.textContent()).toContain('success');
      const rowText = (await row.textContent()) ?? '';
      expect(status.workers.some(({ workerId }) => rowText.includes(workerId))).toBe(true);
      await expect.poll(() => page.locator('#tools').textContent()).toMatch(/whoami\s*1\s*0/);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('signing in as people open it', () => {
  /** Opens a URL in a fresh context; fails the test on any console error the page logs. */
  async function openPage(url: string, check: (page: Page) => Promise<void>) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // A wrong key's answer is a 401 by design; Chromium logs that response as a failed load.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    try {
      await page.goto(url);
      await check(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }

  it('keeps updating a page opened with the key in the URL (http://user:key@host/ui)', async () => {
    const withCredentials = new URL('/ui', gateway.url);
    withCredentials.username = 'admin';
    withCredentials.password = MASTER;
    await openPage(withCredentials.href, async (page) => {
      await page.locator('#worker-count', { hasText: /^2$/ }).waitFor({ timeout: 10_000 });
      // A later redraw came through too: the clock of the last update moves.
      const first = await page.locator('#updated').textContent();
      await expect.poll(() => page.locator('#updated').textContent(), { timeout: 10_000 }).not.toBe(first);
      expect(await page.locator('#problem').isHidden()).toBe(true);
    });
  });

  it('offers a sign-in form to a browser without credentials; a wrong key sees it again', async () => {
    // A browser asked for Basic credentials shows its own dialog first; declined, it shows the page's body.
    const refused = await fetch(`${gateway.url}/ui`, { headers: { accept: 'text/html' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await refused.text()).toContain('<form method="post" action="/ui/login">');

    // Headless Chromium cannot show the dialog: the form is opened where the refusal's body points.
    await openPage(`${gateway.url}/ui/login`, async (page) => {
      await page.locator('input[name="key"]').fill('sk-not-the-key');
      await page.locator('button[type="submit"]').click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toBe('That is not the master key.');
      await page.locator('input[name="key"]').fill(MASTER);
      await page.locator('button[type="submit"]').click();
      await page.locator('#worker-count', { hasText: /^2$/ }).waitFor({ timeout: 10_000 });
      expect(new URL(page.url()).pathname).toBe('/ui');

      // The pass opens the dashboard only, never the API.
      const cookies = await page.context().cookies();
      const pass = cookies.find((cookie) => cookie.name === 'toolgate_dashboard');
      expect(pass).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      const cookie = `toolgate_dashboard=${pass!.value}`;
      expect((await fetch(`${gateway.url}/v1/status`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${gateway.url}/mcp/list_tools`, { headers: { cookie } })).status).toBe(401);
      const forged = `toolgate_dashboard=${pass!.value.replace(/^\d+/, String(Date.now() + 10 ** 9))}`;
      expect((await fetch(`${gateway.url}/v1/status`, { headers: { cookie: forged } })).status).toBe(401);
    });
  });
});

describe("workers' own metrics", () => {
  it('are served on each worker’s WORKER_METRICS_PORT for Prometheus', async () => {
    for (let call = 0; call < 4; call += 1) {
      await fetch(`${gateway.url}/mcp/call_tool`, {
        method: 'POST',
        headers: { ...withMaster, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'echo', arguments: { text: 'x' } }),
      });
    }
    const scraped = await Promise.all(
      workers.map(async ({ metricsPort }) => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
    );
    const echoCalls = scraped.map((text) =>
      Number(/toolgate_worker_tool_calls_total\{tool="echo",outcome="success"\} (\d+)/.exec(text)?.[1] ?? 0),
    );
    expect(echoCalls.reduce((sum, count) => sum + count, 0)).toBe(4);
    for (const text of scraped) {
      expect(text).toMatch(/toolgate_worker_threads 2/);
      expect(text).toMatch(/toolgate_worker_threads_busy \d/);
      expect(text).toMatch(/toolgate_worker_jobs_total\{queue="call_tool"\} \d/);
    }
  });
});
