/**
 * The `before` cursor of GET /api/audit: the `at` of the last entry of a page, followed by `~<id>` so
 * that entries sharing one millisecond are neither repeated nor skipped. A bare ISO 8601 instant is also
 * accepted (entries strictly older than it).
 */
export interface AuditCursor {
  at: Date;
  id: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function formatAuditCursor(at: Date, id: string): string {
  return `${at.toISOString()}~${id}`;
}

/** The cursor, or a message saying what is wrong with it (for a 400). */
export function parseAuditCursor(raw: string): AuditCursor | string {
  const [instant, id, ...rest] = raw.split('~');
  const at = new Date(instant ?? '');
  if (rest.length > 0 || !instant || Number.isNaN(at.getTime()))
    return `before must be an ISO 8601 instant or a cursor from a previous page, got "${raw}"`;
  if (id !== undefined && !UUID.test(id)) return `before has a malformed id after "~": "${id}"`;
  return { at, id: id ?? null };
}
