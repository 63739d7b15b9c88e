import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from './cli-options';

describe('parseCli', () => {
  it('takes runner options up to the executable and leaves the rest to the guest', () => {
    const options = parseCli(['--stats', '--memory=64', '--env=A=1', 'prog', '--stats', 'x']);
    expect(options).toMatchObject({
      elfPath: 'prog',
      guestArgs: ['--stats', 'x'],
      stats: true,
      memoryMiB: 64,
      env: ['A=1'],
      deterministic: false,
    });
  });

  it('parses every option', () => {
    const options = parseCli([
      '--strace',
      '--trace-unknown',
      '--deterministic',
      '--seed=42',
      '--populate',
      '--max-instructions=1000',
      '--argv0=name',
      '--clear-env',
      '--',
      '--odd-name',
    ]);
    expect(options).toMatchObject({
      elfPath: '--odd-name',
      strace: true,
      traceUnknown: true,
      deterministic: true,
      seed: 42n,
      populate: true,
      maxInstructions: 1000,
      argv0: 'name',
      clearEnv: true,
    });
    expect(parseCli(['--help'])).toBe('help');
  });

  it('explains what is wrong with a bad command line', () => {
    expect(() => parseCli([])).toThrow(new UsageError('no executable given'));
    expect(() => parseCli(['--bogus', 'x'])).toThrow(/unknown option --bogus/);
    expect(() => parseCli(['--memory=lots', 'x'])).toThrow(/positive integer/);
    expect(() => parseCli(['--memory=5000', 'x'])).toThrow(/at most 4096/);
    expect(() => parseCli(['--seed', 'x'])).toThrow(/needs a value/);
    expect(() => parseCli(['--env=NOEQUALS', 'x'])).toThrow(/NAME=VALUE/);
  });
});
