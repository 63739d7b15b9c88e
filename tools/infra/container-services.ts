import type { StartedTestContainer } from 'testcontainers';

/*
 * Throwaway Postgres and Redis containers for test runs on machines with a Docker engine.
 * testcontainers is a dev dependency and is loaded lazily, only after a Docker engine answered.
 */

export interface ContainerService {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgresContainer(): Promise<ContainerService> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const password = 'postgres';
  const container = await new GenericContainer('postgres:17-alpine')
    .withEnvironment({ POSTGRES_PASSWORD: password })
    .withExposedPorts(5432)
    // The official image restarts the server once after initialisation: wait for the second "ready".
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const url = `postgresql://postgres:${password}@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return { url, stop: () => stopContainer(container) };
}

export async function startRedisContainer(): Promise<ContainerService> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('redis:7-alpine')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    stop: () => stopContainer(container),
  };
}

async function stopContainer(container: StartedTestContainer): Promise<void> {
  await container.stop();
}
