import type { PvDomain, PvHost } from '../../libs/xen-core/src/exec/pv-host';
import type { RipProfile } from './rip-profile';

const CURSOR_QUERY = '\x1b[6n';
const SLICE = 20_000_000;

/**
 * Drives a Linux PV guest's console the way a terminal would: collects the transcript, types commands,
 * and answers busybox's cursor-position queries. Runs the host in slices, yielding to the event loop
 * between them so signals and pipes are served during a boot of several seconds.
 */
export class LinuxConsole {
  text = '';
  instructions = 0;
  private answered = 0;

  /** While set, runs in the profile's sample-sized slices and samples the guest RIP after each. */
  profile: RipProfile | undefined;

  constructor(
    private readonly host: PvHost,
    private readonly dom: PvDomain,
  ) {}

  /** Runs the guest until `done(text)` holds, it shuts down, or `budget` instructions; returns whether it held. */
  async runUntil(done: (text: string) => boolean, budget: number): Promise<boolean> {
    const limit = this.instructions + budget;
    while (!done(this.text) && this.dom.exec.shutdown === undefined && this.instructions < limit) {
      const slice = this.profile?.instructionsPerSample ?? SLICE;
      const r = this.host.run(slice);
      this.instructions += r.instructions;
      this.profile?.sample(this.host, r.reason === 'budget');
      this.drain();
      if (r.reason === 'halted') break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.drain();
    return done(this.text);
  }

  /** Types `command`, returns what it printed up to the next prompt. */
  async command(command: string, prompt: string, budget: number): Promise<string> {
    const from = this.text.length;
    this.dom.exec.console.input.write(`${command}\n`);
    const ok = await this.runUntil((t) => t.indexOf(prompt, from + command.length) >= 0, budget);
    if (!ok) throw new Error(`no prompt after "${command}"; console tail:\n${this.text.slice(-1500)}`);
    return this.text.slice(from, this.text.indexOf(prompt, from + command.length));
  }

  type(text: string): void {
    this.dom.exec.console.input.write(text);
  }

  private drain(): void {
    const out = this.dom.exec.console.output;
    for (let chunk = out.read(); chunk !== null; chunk = out.read()) {
      this.text += chunk.toString('latin1');
      this.answerCursorQueries();
    }
  }

  /**
   * busybox's line editor asks where the cursor is (ESC[6n) after printing the prompt; answer the way
   * a terminal does (ESC[row;colR) so the shell's idea of the cursor column matches the transcript.
   */
  private answerCursorQueries(): void {
    for (
      let at = this.text.indexOf(CURSOR_QUERY, this.answered);
      at >= 0;
      at = this.text.indexOf(CURSOR_QUERY, this.answered)
    ) {
      const column = at - this.text.lastIndexOf('\n', at - 1);
      this.dom.exec.console.input.write(`\x1b[1;${column}R`);
      this.answered = at + CURSOR_QUERY.length;
    }
  }
}
