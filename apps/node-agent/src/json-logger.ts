type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, unknown>;

/**
 * One JSON object per line on stdout, so log shippers (and the launcher) can parse agent logs
 * without guessing. Every line carries the agent id.
 */
export class JsonLogger {
  constructor(
    private readonly base: Fields,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  info(msg: string, fields: Fields = {}): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields: Fields = {}): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields: Fields = {}): void {
    this.log('error', msg, fields);
  }

  private log(level: Level, msg: string, fields: Fields): void {
    this.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.base, ...fields }));
  }
}
