/** One recorded act: who did what to which resource, when, and how it ended. */
export interface AuditEntry {
  id: string;
  /** Null for the system itself (rescheduling, agent timeouts). */
  actorUserId: string | null;
  tenantId: string | null;
  /** e.g. `auth.login`, `domain.create`, `domain.action.start`, `agent.cordon`. */
  action: string;
  /** e.g. `domain:<uuid>`. */
  target: string | null;
  result: 'ok' | 'refused' | 'failed';
  detail: string | null;
  at: string;
}

/** Response of GET /api/audit (own tenant; admins: ?tenantId=). Newest first; pass `before` to page. */
export interface AuditPage {
  entries: AuditEntry[];
  /** Cursor for the next page (the `at` of the last entry), null at the end. */
  before: string | null;
}
