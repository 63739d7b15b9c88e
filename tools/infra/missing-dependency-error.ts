/**
 * A required program or package is not installed. The message says what is missing and the hint
 * says how to get it, so the launcher can print both and stop instead of a stack trace.
 */
export class MissingDependencyError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(`${message}\n  -> ${hint}`);
    this.name = 'MissingDependencyError';
  }
}
