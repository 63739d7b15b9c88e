import { Injectable, Logger } from '@nestjs/common';
import type { AuditEntry, AuditPage } from '@xeno/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { formatAuditCursor, type AuditCursor } from './audit-cursor';
import { AuditEntryEntity, type AuditResult } from './audit-entry.entity';

/** What one audit record says. `at` is set by Postgres. */
export interface AuditRecord {
  /** Null for the system itself (rescheduling, agent timeouts) and for callers not logged in. */
  actorUserId: string | null;
  tenantId: string | null;
  action: string;
  target?: string | null;
  result: AuditResult;
  detail?: string | null;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;
const DETAIL_MAX = 2_000;

/**
 * Writes and pages the audit log. Recording never fails the caller: the act it describes has already
 * happened, so a database blip is logged (with the record) rather than turned into an error answer.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(private readonly dataSource: DataSource) {}

  async record(entry: AuditRecord, manager?: EntityManager): Promise<void> {
    try {
      await (manager ?? this.dataSource.manager).insert(AuditEntryEntity, {
        actorUserId: entry.actorUserId,
        tenantId: entry.tenantId,
        action: entry.action.slice(0, 100),
        target: entry.target?.slice(0, 200) ?? null,
        result: entry.result,
        detail: entry.detail?.slice(0, DETAIL_MAX) ?? null,
      });
    } catch (error) {
      this.logger.error(`could not record ${JSON.stringify(entry)}: ${String(error)}`);
    }
  }

  /** A tenant's entries, newest first, older than the cursor. */
  async page(tenantId: string, before: AuditCursor | null, limit = AUDIT_PAGE_DEFAULT): Promise<AuditPage> {
    const query = this.dataSource
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('entry')
      .where('entry.tenant_id = :tenantId', { tenantId })
      .orderBy('entry.at', 'DESC')
      .addOrderBy('entry.id', 'DESC')
      .take(limit + 1); // one more tells whether another page exists
    if (before?.id) query.andWhere('(entry.at, entry.id) < (:at, :id)', { at: before.at, id: before.id });
    else if (before) query.andWhere('entry.at < :at', { at: before.at });
    const rows = await query.getMany();
    const entries = rows.slice(0, limit);
    const last = entries[entries.length - 1];
    return {
      entries: entries.map(entryView),
      before: rows.length > limit && last ? formatAuditCursor(last.at, last.id) : null,
    };
  }
}

function entryView(row: AuditEntryEntity): AuditEntry {
  return {
    id: row.id,
    actorUserId: row.actorUserId,
    tenantId: row.tenantId,
    action: row.action,
    target: row.target,
    result: row.result,
    detail: row.detail,
    at: row.at.toISOString(),
  };
}
