import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess, MissingDependencyError } from '../infra';
import type { LauncherConfig } from './launcher-config';
import { printLine } from './output';

export interface StackUrls {
  databaseUrl: string;
  redisUrl: string;
}

export function startApi(config: LauncherConfig, urls: StackUrls): ManagedProcess {
  return startNodeApp('api', config, 'dist/apps/api/src/main.js', {
    PORT: String(config.port),
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    REDIS_PREFIX: config.redisPrefix,
    AGENT_ENROLMENT_SECRET: config.enrolmentSecret,
  });
}

/** Agent ids include the host name, so agents started on several machines never collide. */
export function startAgent(config: LauncherConfig, urls: StackUrls, index: number): ManagedProcess {
  const agentId = `${os.hostname()}-agent-${index}`;
  return startNodeApp(`agent-${index}`, config, 'dist/apps/node-agent/src/main.js', {
    AGENT_ID: agentId,
    ...(config.agentDataRoot ? { AGENT_DATA_DIR: path.join(config.agentDataRoot, agentId) } : {}),
    REDIS_URL: urls.redisUrl,
    REDIS_PREFIX: config.redisPrefix,
    API_URL: `http://127.0.0.1:${config.port}`,
    AGENT_ENROLMENT_SECRET: config.enrolmentSecret,
  });
}

function startNodeApp(
  name: string,
  config: LauncherConfig,
  entry: string,
  env: Record<string, string>,
): ManagedProcess {
  const script = path.join(config.projectRoot, entry);
  if (!existsSync(script)) {
    throw new MissingDependencyError(
      `${entry} is missing`,
      'build first: `npm run build` (npm start does it for you)',
    );
  }
  return ManagedProcess.start({
    name,
    command: process.execPath,
    args: ['--enable-source-maps', script],
    cwd: config.projectRoot,
    env: { ...process.env, ...env },
    output: { onLine: (line) => printLine(name, line) },
    ipc: true, // the child exits if the launcher dies without stopping it
  });
}
