import {
  embeddedDirsUnder,
  ensureDatabase,
  isPortFree,
  redactUrl,
  resolvePostgres,
  resolveRedis,
  withDatabase,
  type ResolveOptions,
  type ResolvedService,
} from '../infra';
import { startAgent, startApi, type StackUrls } from './app-processes';
import type { LauncherConfig } from './launcher-config';
import { say } from './output';
import type { ShutdownStack } from './shutdown-stack';
import { waitForStack } from './wait-for-stack';

const HEALTHY_WITHIN_MS = 60_000;

/**
 * Brings the stack up in dependency order (Postgres and Redis, then the API and the agents),
 * registering each part on the shutdown stack as soon as it exists, then waits until it is healthy.
 */
export async function startStack(
  config: LauncherConfig,
  shutdown: ShutdownStack,
  onUnexpectedExit: (reason: string) => void,
): Promise<void> {
  if (!(await isPortFree(config.port))) {
    throw new Error(
      `port ${config.port} is already in use (another \`npm start\`?); choose another with PORT=...`,
    );
  }

  const { postgres, redis } = await resolveBoth(config, shutdown);
  const urls: StackUrls = { databaseUrl: await prepareDatabase(config, postgres), redisUrl: redis.url };
  say(`Postgres: ${postgres.source} ${redactUrl(urls.databaseUrl)}`);
  say(`Redis:    ${redis.source} ${redactUrl(urls.redisUrl)} (key prefix "${config.redisPrefix}")`);

  const api = startApi(config, urls);
  await shutdown.push('api', async () => void (await api.stop()));
  say(`api started (pid ${api.pid})`);
  const agents = Array.from({ length: config.agentCount }, (_, i) => startAgent(config, urls, i + 1));
  await shutdown.push(
    'node agents',
    async () => void (await Promise.all(agents.map((agent) => agent.stop()))),
  );
  say(`${agents.length} node agent(s) started (pids ${agents.map((agent) => agent.pid).join(', ')})`);

  const children = [api, ...agents];
  const baseUrl = `http://localhost:${config.port}`;
  await waitForStack(baseUrl, {
    expectedAgents: config.agentCount,
    timeoutMs: HEALTHY_WITHIN_MS,
    giveUpReason: () => {
      const dead = children.find((child) => child.hasExited);
      return dead ? `${dead.name} exited during start-up (see its output above)` : undefined;
    },
  });
  say('');
  say(`Xenoserver is up: ${baseUrl}`);
  say(`  web app and API ${baseUrl}  (health: ${baseUrl}/api/health)`);
  say(`  node agents     ${config.agentCount} live`);
  say('Press Ctrl-C to stop everything.');

  for (const child of children) {
    void child.exited.then((info) => {
      if (!shutdown.isStopping) onUnexpectedExit(`${child.name} exited unexpectedly (${describe(info)})`);
    });
  }
}

async function resolveBoth(
  config: LauncherConfig,
  shutdown: ShutdownStack,
): Promise<{ postgres: ResolvedService; redis: ResolvedService }> {
  const options: ResolveOptions = {
    order: ['env', 'local', 'embedded'],
    env: process.env,
    envNames: { postgres: 'DATABASE_URL', redis: 'REDIS_URL' },
    embeddedDirs: embeddedDirsUnder(config.dataDir),
    embeddedOnProbedPort: true,
    log: say,
  };
  // Resolved side by side to save start-up time; whatever did start is registered even if the other failed.
  const [postgres, redis] = await Promise.allSettled([resolvePostgres(options), resolveRedis(options)]);
  // Only what we started is ours to stop; a server we merely found keeps running.
  for (const result of [postgres, redis]) {
    if (result.status === 'fulfilled' && result.value.startedHere) {
      const { kind, source, stop } = result.value;
      await shutdown.push(`${kind === 'postgres' ? 'Postgres' : 'Redis'} (${source})`, stop);
    }
  }
  if (postgres.status === 'rejected') throw postgres.reason;
  if (redis.status === 'rejected') throw redis.reason;
  return { postgres: postgres.value, redis: redis.value };
}

/** DATABASE_URL is used as given; on a server we found or started we use (and create) `xenoserver`. */
async function prepareDatabase(config: LauncherConfig, postgres: ResolvedService): Promise<string> {
  if (postgres.source === 'env') return postgres.url;
  if ((await ensureDatabase(postgres.url, config.databaseName)) === 'created') {
    say(`created database "${config.databaseName}"`);
  }
  return withDatabase(postgres.url, config.databaseName);
}

function describe(info: { code: number | null; signal: string | null; error?: Error }): string {
  if (info.error) return info.error.message;
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
}
