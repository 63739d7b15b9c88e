import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  deleteKeysWithPrefix,
  dropDatabase,
  embeddedDirsUnder,
  ensureDatabase,
  findFreePort,
  resolvePostgres,
  resolveRedis,
  withDatabase,
  type ResolveOptions,
} from '../../tools/infra';
import { loadLauncherConfig } from '../../tools/launcher/launcher-config';
import { say } from '../../tools/launcher/output';
import { ShutdownStack } from '../../tools/launcher/shutdown-stack';
import { startStack } from '../../tools/launcher/start-stack';

export interface ThrowawayStack {
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * The stack a load run measures when no --target is given: what `npm start` runs (API + agents, on found
 * or embedded Postgres/Redis), on a free port, with a database and Redis key prefix of its own so a run
 * never touches, or is disturbed by, a developer's data. Stopping takes the processes down first, then
 * drops the database and keys, then stops any server it started — in that order, so nothing is left.
 */
export async function startThrowawayStack(agentCount: number): Promise<ThrowawayStack> {
  const runId = `${Date.now()}_${randomUUID().slice(0, 6)}`;
  const base = loadLauncherConfig({ ...process.env, AGENT_COUNT: String(agentCount) });
  const config = {
    ...base,
    port: await findFreePort(),
    databaseName: `xeno_load_${runId}`,
    redisPrefix: `xeno_load:${runId}:`,
    agentDataRoot: mkdtempSync(path.join(os.tmpdir(), 'xeno-load-agents-')),
  };
  const shutdown = new ShutdownStack(say);
  const options: ResolveOptions = {
    order: ['env', 'local', 'embedded'],
    env: process.env,
    envNames: { postgres: 'DATABASE_URL', redis: 'REDIS_URL' },
    embeddedDirs: embeddedDirsUnder(config.dataDir),
    embeddedOnProbedPort: false,
    log: say,
  };
  let failure: string | undefined;
  try {
    const postgres = await resolvePostgres(options);
    if (postgres.startedHere) await shutdown.push('Postgres (load run)', postgres.stop);
    const redis = await resolveRedis(options);
    if (redis.startedHere) await shutdown.push('Redis (load run)', redis.stop);
    await ensureDatabase(postgres.url, config.databaseName);
    await shutdown.push('load-run agent data', async () =>
      rmSync(config.agentDataRoot, { recursive: true, force: true }),
    );
    await shutdown.push('load-run database and keys', async () => {
      await dropDatabase(postgres.url, config.databaseName);
      await deleteKeysWithPrefix(redis.url, config.redisPrefix);
    });
    // Room for a storm of 32 MiB domains on the one agent, unless the caller sized it.
    process.env.AGENT_MEMORY_MIB ??= '4096';
    // One pCPU per agent unless the caller says otherwise: the noisy-neighbours scenario measures the
    // credit scheduler sharing one pCPU between victims and neighbours (what each victim is owed is
    // 1/(V+N) of it); with several partitions the split between them, not the scheduler, would decide.
    process.env.AGENT_PCPUS ??= '1';
    // The stack takes the URLs as given, so it uses exactly this database.
    process.env.DATABASE_URL = withDatabase(postgres.url, config.databaseName);
    process.env.REDIS_URL = redis.url;
    await startStack(config, shutdown, (reason) => (failure = reason));
  } catch (error) {
    await shutdown.run();
    throw error;
  }
  return {
    baseUrl: `http://127.0.0.1:${config.port}`,
    stop: async () => {
      await shutdown.run();
      if (failure) say(`note: during the run, ${failure}`);
    },
  };
}
