import { Client } from 'pg';

/** Connects with a bounded timeout; the caller ends the client. */
export async function connectPostgres(url: string, timeoutMs = 2_000): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that goes away later emits 'error' on the client; unhandled, that would crash us.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** Undefined when Postgres at `url` accepts us, otherwise why not. */
export async function probePostgres(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const client = await connectPostgres(url, timeoutMs);
    await client.end();
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/** Creates the database unless it exists; safe when several processes race to create it. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<'created' | 'existed'> {
  const client = await connectPostgres(serverUrl);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return 'existed';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    return 'created';
  } catch (error) {
    // 42P04 duplicate_database, 23505 unique_violation: somebody else created it first.
    const code = (error as { code?: string }).code;
    if (code === '42P04' || code === '23505') return 'existed';
    throw error;
  } finally {
    await client.end();
  }
}

/** Drops the database, disconnecting whoever still uses it (Postgres 13+). */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = await connectPostgres(serverUrl);
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

/** The URL with its password masked, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
