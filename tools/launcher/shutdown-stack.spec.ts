import { describe, expect, it } from 'vitest';
import { ShutdownInProgress, ShutdownStack } from './shutdown-stack';

describe('ShutdownStack', () => {
  it('stops in reverse order of start, once, even when asked twice', async () => {
    const stopped: string[] = [];
    const stack = new ShutdownStack(() => undefined);
    for (const name of ['postgres', 'redis', 'api', 'agents'])
      await stack.push(name, async () => void stopped.push(name));
    await Promise.all([stack.run(), stack.run()]);
    expect(stopped).toEqual(['agents', 'api', 'redis', 'postgres']);
  });

  it('stops what is registered after shutdown began, and tells start-up to give up', async () => {
    const stopped: string[] = [];
    const stack = new ShutdownStack(() => undefined);
    await stack.run();
    await expect(stack.push('late', async () => void stopped.push('late'))).rejects.toBeInstanceOf(
      ShutdownInProgress,
    );
    expect(stopped).toEqual(['late']);
  });

  it('keeps going when one step fails', async () => {
    const stopped: string[] = [];
    const stack = new ShutdownStack(() => undefined);
    await stack.push('first', async () => void stopped.push('first'));
    await stack.push('broken', async () => {
      throw new Error('boom');
    });
    await stack.run();
    expect(stopped).toEqual(['first']);
  });
});
