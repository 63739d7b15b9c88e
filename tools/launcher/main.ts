import { MissingDependencyError } from '../infra';
import { loadLauncherConfig } from './launcher-config';
import { say } from './output';
import { ShutdownInProgress, ShutdownStack } from './shutdown-stack';
import { startStack } from './start-stack';

/*
 * `npm start`: the whole stack on one machine. Postgres and Redis come from the environment, from
 * localhost, or are started here (tools/infra); then the API (serving the web app) and the node
 * agents run as child processes. Ctrl-C / SIGTERM stop them in reverse order, then exit.
 */
function main(): void {
  const shutdown = new ShutdownStack(say);
  let exitCode = 0;
  const stopAndExit = (code: number): void => {
    if (shutdown.isStopping) return;
    exitCode = code;
    void shutdown.run().then(() => {
      say(exitCode === 0 ? 'stopped cleanly' : 'stopped');
      process.exit(exitCode);
    });
  };

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!shutdown.isStopping) say(`${signal} received: stopping everything`);
      stopAndExit(0);
    });
  }
  const onUnexpectedExit = (reason: string): void => {
    say(reason);
    stopAndExit(1);
  };

  Promise.resolve()
    .then(() => startStack(loadLauncherConfig(), shutdown, onUnexpectedExit))
    .catch((error: unknown) => {
      if (error instanceof ShutdownInProgress || shutdown.isStopping) return;
      say(
        error instanceof MissingDependencyError
          ? `cannot start: ${error.message}`
          : `start-up failed: ${String(error)}`,
      );
      if (!(error instanceof MissingDependencyError) && error instanceof Error && error.stack) {
        say(error.stack.split('\n').slice(1, 4).join('\n'));
      }
      stopAndExit(1);
    });
}

main();
