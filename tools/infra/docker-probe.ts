import http from 'node:http';

/**
 * True when a Docker engine answers GET /_ping within the timeout. Checked before testcontainers is
 * even loaded: without an engine it would only fail slowly.
 */
export function dockerEngineAnswers(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 1_000,
): Promise<boolean> {
  const target = dockerTarget(env.DOCKER_HOST);
  if (!target) return Promise.resolve(false);
  return new Promise((resolve) => {
    const request = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

function dockerTarget(dockerHost: string | undefined): http.RequestOptions | undefined {
  if (!dockerHost) return { socketPath: '/var/run/docker.sock' };
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol === 'tcp:' || url.protocol === 'http:')
    return { host: url.hostname, port: Number(url.port) };
  return undefined; // ssh:// and TLS setups: leave them to the other strategies
}
