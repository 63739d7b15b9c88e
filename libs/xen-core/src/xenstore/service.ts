import type { Domain } from '../domain/domain';
import { hostCaller } from '../events/event-channels';
import { GNTTAB_RESERVED_XENSTORE } from '../grants/abi';
import { GrantedFrame, mapGrantForHost } from '../grants/host-access';
import type { XenSystem } from '../xen-system';
import { PGT_writable_page } from '../mm/frame-table';
import { XenstoreClient } from './client';
import type { XsConnection } from './connection';
import type { XsQuotas } from './node-ops';
import { machineRingPage, RingPage, type RingPending, XenstoreRing } from './ring';
import { DomainIntroducer, XenstoreServer } from './server';
import type { XsErrorName } from './wire';

interface Attached {
  ring: XenstoreRing;
  conn: XsConnection;
  /** The server's end of the store event channel (in the control domain's port table). */
  localPort: number;
  grant: GrantedFrame | undefined;
  /** The ring frame when it was named by MFN: a writable type reference is held on it (0 = none). */
  rawMfn: number;
}

export interface XenstoreServiceOptions {
  /** The domain xenstored runs in (the TypeScript control domain): 0. */
  domid?: number;
  quotas?: Partial<XsQuotas>;
}

/**
 * xenstored on a XenSystem: the server, the control domain's client, and one ring transport per
 * introduced domain. XS_INTRODUCE maps the guest's store page (grant ref 1 as seeded by the
 * toolstack, else the MFN it names, which must belong to the domain) and binds an event channel
 * to the guest's store port; a send on that port runs the ring.
 */
export class XenstoreService implements DomainIntroducer {
  readonly server: XenstoreServer;
  /** The control domain's (privileged) client: read/write/rm/watch as dom0. */
  readonly client: XenstoreClient;
  readonly domid: number;
  private readonly attached = new Map<number, Attached>();
  /** Ring state a restored domain's next introduction takes over (see preloadRing). */
  private readonly preloaded = new Map<number, RingPending>();

  constructor(
    private readonly sys: XenSystem,
    opts: XenstoreServiceOptions = {},
  ) {
    this.domid = opts.domid ?? 0;
    if (!sys.get(this.domid)) sys.events.registerHostDomain(this.domid);
    this.server = new XenstoreServer({ quotas: opts.quotas, introducer: this });
    this.client = new XenstoreClient(this.server, this.domid, true);
  }

  /** Toolstack step before building a domain: its store port, unbound and accepting xenstored. */
  allocStorePort(d: Domain): number {
    return this.sys.events.allocUnbound(hostCaller(this.domid), d.id, this.domid);
  }

  /**
   * A restored domain's in-flight ring state (exportPending on the old host): its next
   * XS_INTRODUCE starts the ring from there instead of empty, so a half-sent request or an
   * unwritten reply survives the move.
   */
  preloadRing(domid: number, pending: RingPending): void {
    this.preloaded.set(domid, pending);
  }

  ring(domid: number): XenstoreRing | undefined {
    return this.attached.get(domid)?.ring;
  }

  private mapRing(
    domid: number,
    mfn: bigint,
  ): { page: RingPage; grant?: GrantedFrame; rawMfn: number } | undefined {
    const g = mapGrantForHost(this.sys.grants, this.domid, domid, GNTTAB_RESERVED_XENSTORE);
    if (g.ok && BigInt(g.frame.mfn) === mfn) return { page: g.frame, grant: g.frame, rawMfn: 0 };
    if (g.ok) g.frame.unmap();
    const m = Number(mfn);
    if (mfn >= 1n << 52n || this.sys.host.frames.liveOwner(m) !== domid) return undefined;
    // Written directly: hold a writable type reference (as a grant map would) so the guest cannot
    // make the page a page table under the server's writes.
    if (this.sys.mmu.types.getPageAndType(m, domid, PGT_writable_page) !== 0) return undefined;
    return { page: machineRingPage(this.sys.host.mem, m), rawMfn: m };
  }

  /** Frame references the rings named by MFN hold (for auditMemory's `held`; grant maps count themselves). */
  heldReferences(): Array<{ mfn: number; count: number; typeCount: number }> {
    return [...this.attached.values()]
      .filter((a) => a.rawMfn)
      .map((a) => ({ mfn: a.rawMfn, count: 1, typeCount: 1 }));
  }

  introduce(server: XenstoreServer, domid: number, mfn: bigint, port: number): XsConnection | XsErrorName {
    const pending = this.preloaded.get(domid);
    this.preloaded.delete(domid);
    const d = this.sys.get(domid);
    if (!d) return 'EINVAL';
    const mapped = this.mapRing(domid, mfn);
    if (!mapped) return 'EINVAL';
    let ready = false;
    let localPort = 0;
    const conn = server.connect(domid, d.privileged, (m) => ring.send(m));
    const ring = new XenstoreRing(
      mapped.page,
      () => void this.sys.events.send(hostCaller(this.domid), localPort),
      (m) => server.handle(conn, m),
      () => {
        conn.watches.length = 0;
        conn.transactions.clear();
      },
    );
    localPort = this.sys.events.bindInterdomain(hostCaller(this.domid), domid, port, () => {
      if (ready) ring.kick();
    });
    if (localPort < 0) {
      server.disconnect(conn);
      mapped.grant?.unmap();
      if (mapped.rawMfn) this.sys.mmu.types.putPageAndType(mapped.rawMfn);
      return 'EINVAL';
    }
    this.attached.set(domid, { ring, conn, localPort, grant: mapped.grant, rawMfn: mapped.rawMfn });
    if (pending) ring.importPending(pending);
    ring.attach();
    ready = true;
    ring.kick();
    return conn;
  }

  /**
   * Detach every ring (close the server's event-channel ends, unmap the pages) without touching
   * the store or the guests' side: what a xenstored restart does before a successor restores a
   * snapshot (restoreStore) and re-attaches.
   */
  stop(): void {
    for (const domid of [...this.attached.keys()]) this.release(this.server, domid);
  }

  release(_server: XenstoreServer, domid: number): void {
    const a = this.attached.get(domid);
    if (!a) return;
    this.attached.delete(domid);
    this.sys.events.close(hostCaller(this.domid), a.localPort);
    a.grant?.unmap();
    if (a.rawMfn) this.sys.mmu.types.putPageAndType(a.rawMfn);
  }
}
