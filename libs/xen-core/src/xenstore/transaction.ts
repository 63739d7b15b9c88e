import type { NodeAccess, NodeInit, NodeRec, XsStore } from './store';
import type { WatchEvent } from './watches';

/**
 * A transaction: a private overlay over the committed store. Every node it reads or writes is
 * recorded with the generation it had (or absence); the commit fails with EAGAIN if any of them
 * changed meanwhile. Watch events are held back until the commit.
 */
export class Transaction implements NodeAccess {
  private readonly overlay = new Map<string, NodeRec | null>();
  private readonly seen = new Map<string, number>();
  private readonly ownerDelta = new Map<number, number>();
  readonly events: WatchEvent[] = [];
  /** Set when the transaction touched more nodes than its quota allows. */
  overflow = false;

  constructor(
    readonly id: number,
    private readonly main: XsStore,
    private readonly maxNodes: number,
  ) {}

  get touched(): number {
    return this.seen.size;
  }

  private touch(path: string): void {
    if (this.seen.has(path)) return;
    if (this.seen.size >= this.maxNodes) this.overflow = true;
    this.seen.set(path, this.main.read(path)?.gen ?? -1);
  }

  read(path: string): NodeRec | undefined {
    const o = this.overlay.get(path);
    if (o !== undefined) return o ?? undefined;
    this.touch(path);
    return this.main.read(path);
  }

  private owner(rec: NodeRec | undefined, by: number): void {
    if (!rec) return;
    const d = rec.perms[0].domid;
    this.ownerDelta.set(d, (this.ownerDelta.get(d) ?? 0) + by);
  }

  put(path: string, rec: NodeInit): void {
    this.owner(this.read(path), -1);
    const next: NodeRec = { ...rec, gen: 0 };
    this.overlay.set(path, next);
    this.owner(next, 1);
  }

  del(path: string): void {
    this.owner(this.read(path), -1);
    this.overlay.set(path, null);
  }

  ownedBy(domid: number): number {
    return this.main.ownedBy(domid) + (this.ownerDelta.get(domid) ?? 0);
  }

  /** Apply to the store, or report a conflict (nothing applied). */
  commit(): 'ok' | 'conflict' {
    for (const [path, gen] of this.seen) if ((this.main.read(path)?.gen ?? -1) !== gen) return 'conflict';
    for (const [path, rec] of this.overlay) {
      if (rec) this.main.put(path, rec);
      else this.main.del(path);
    }
    return 'ok';
  }
}
