/** Everything the launcher prints goes through here: one line per write, tagged with its source. */
const TAG_WIDTH = 9;

export function printLine(source: string, line: string): void {
  process.stdout.write(`${source.padEnd(TAG_WIDTH)}| ${line}\n`);
}

export function say(line: string): void {
  printLine('launcher', line);
}
