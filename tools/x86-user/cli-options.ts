/**
 * Command-line parsing for x86-user. Runner options come first; the first non-option word is the
 * executable and everything after it belongs to the guest, as with qemu-user.
 */

export interface CliOptions {
  readonly elfPath: string;
  readonly guestArgs: readonly string[];
  readonly argv0?: string;
  readonly stats: boolean;
  readonly strace: boolean;
  readonly traceUnknown: boolean;
  readonly deterministic: boolean;
  readonly seed: bigint;
  readonly memoryMiB: number;
  readonly populate: boolean;
  readonly maxInstructions?: number;
  readonly clearEnv: boolean;
  readonly env: readonly string[];
}

export const USAGE = `usage: x86-user [options] <static x86-64 ELF> [guest args...]

Runs a static x86-64 Linux executable on the x86-core emulator, with this process as its kernel.

options:
  --stats                print instructions executed, wall time and MIPS to stderr at exit
  --strace               print every system call to stderr
  --trace-unknown        list the unimplemented system calls the program made (-ENOSYS) at exit
  --deterministic        fixed clock (2024-01-01, 1 ns per instruction) and seeded random bytes
  --seed=N               seed for --deterministic (default 0)
  --memory=MiB           emulated RAM (default 512, at most 4096)
  --populate             give anonymous memory its frames at mmap/brk time, not on first touch
  --max-instructions=N   stop with status 124 after N instructions
  --argv0=NAME           argv[0] for the guest (default: the path as given)
  --env=NAME=VALUE       add to the guest environment (repeatable)
  --clear-env            start from an empty environment instead of this process's
  --help                 this text`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`${name} needs a positive integer, got "${value}"`);
  return n;
}

export function parseCli(args: readonly string[]): CliOptions | 'help' {
  const env: string[] = [];
  let stats = false;
  let strace = false;
  let traceUnknown = false;
  let deterministic = false;
  let seed = 0n;
  let memoryMiB = 512;
  let populate = false;
  let maxInstructions: number | undefined;
  let argv0: string | undefined;
  let clearEnv = false;
  let i = 0;
  for (; i < args.length && args[i].startsWith('--'); i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    const needValue = () => {
      if (value === undefined) throw new UsageError(`${name} needs a value (${name}=...)`);
      return value;
    };
    switch (name) {
      case '--':
        i++;
        break;
      case '--help':
        return 'help';
      case '--stats':
        stats = true;
        break;
      case '--strace':
        strace = true;
        break;
      case '--trace-unknown':
        traceUnknown = true;
        break;
      case '--deterministic':
        deterministic = true;
        break;
      case '--seed':
        if (!/^\d+$/.test(needValue())) throw new UsageError(`--seed needs a non-negative integer`);
        seed = BigInt(needValue());
        break;
      case '--memory':
        memoryMiB = positiveInteger(name, needValue());
        if (memoryMiB > 4096) throw new UsageError('--memory is at most 4096 MiB');
        break;
      case '--populate':
        populate = true;
        break;
      case '--max-instructions':
        maxInstructions = positiveInteger(name, needValue());
        break;
      case '--argv0':
        argv0 = needValue();
        break;
      case '--env':
        if (!needValue().includes('=')) throw new UsageError('--env needs NAME=VALUE');
        env.push(needValue());
        break;
      case '--clear-env':
        clearEnv = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
    if (name === '--') break;
  }
  if (i >= args.length) throw new UsageError('no executable given');
  return {
    elfPath: args[i],
    guestArgs: args.slice(i + 1),
    argv0,
    stats,
    strace,
    traceUnknown,
    deterministic,
    seed,
    memoryMiB,
    populate,
    maxInstructions,
    clearEnv,
    env,
  };
}
