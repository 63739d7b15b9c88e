import { INTRODUCE_DOMAIN, RELEASE_DOMAIN } from './paths';
import { XS_PERM_NONE, XsPerm } from './permissions';

/** One node. Records are immutable: every change puts a new one (with a new generation). */
export interface NodeRec {
  readonly value: Uint8Array;
  readonly perms: readonly XsPerm[];
  /** Child names in creation order. */
  readonly children: readonly string[];
  /** Generation of the last change (0 inside a transaction until it commits). */
  readonly gen: number;
}

export type NodeInit = Omit<NodeRec, 'gen'>;

/** What node operations run against: the store itself, or a transaction's view of it. */
export interface NodeAccess {
  read(path: string): NodeRec | undefined;
  put(path: string, rec: NodeInit): void;
  del(path: string): void;
  /** Nodes owned by `domid` (entry quota). */
  ownedBy(domid: number): number;
}

const DOM0_ONLY: readonly XsPerm[] = [{ domid: 0, perm: XS_PERM_NONE }];
const EMPTY = new Uint8Array(0);

/**
 * The committed store: a flat map from absolute path to node, plus the special @ nodes (watch
 * permissions only). Generations increase on every change (transaction conflict detection).
 */
export class XsStore implements NodeAccess {
  private readonly nodes = new Map<string, NodeRec>();
  private readonly owners = new Map<number, number>();
  private generation = 0;

  constructor() {
    this.reset();
  }

  /** An empty store: /, /local, /local/domain, /tool, /tool/xenstored and the special nodes, all "n0". */
  reset(): void {
    this.nodes.clear();
    this.owners.clear();
    const dir = (children: string[]): NodeInit => ({ value: EMPTY, perms: DOM0_ONLY, children });
    this.put('/', dir(['local', 'tool']));
    this.put('/local', dir(['domain']));
    this.put('/local/domain', dir([]));
    this.put('/tool', dir(['xenstored']));
    this.put('/tool/xenstored', dir([]));
    this.put(INTRODUCE_DOMAIN, dir([]));
    this.put(RELEASE_DOMAIN, dir([]));
  }

  get gen(): number {
    return this.generation;
  }

  get size(): number {
    return this.nodes.size;
  }

  read(path: string): NodeRec | undefined {
    return this.nodes.get(path);
  }

  put(path: string, rec: NodeInit): void {
    const old = this.nodes.get(path);
    if (old) this.count(old.perms[0].domid, -1);
    this.nodes.set(path, {
      value: rec.value,
      perms: rec.perms,
      children: rec.children,
      gen: ++this.generation,
    });
    this.count(rec.perms[0].domid, 1);
  }

  del(path: string): void {
    const old = this.nodes.get(path);
    if (!old) return;
    this.count(old.perms[0].domid, -1);
    this.nodes.delete(path);
    this.generation++;
  }

  ownedBy(domid: number): number {
    return this.owners.get(domid) ?? 0;
  }

  private count(domid: number, by: number): void {
    const n = (this.owners.get(domid) ?? 0) + by;
    if (n === 0) this.owners.delete(domid);
    else this.owners.set(domid, n);
  }

  /** Every node, parents before children (snapshots). */
  *entries(): Iterable<[string, NodeRec]> {
    yield* this.nodes.entries();
  }

  /** Replace the whole content (snapshot restore); `gen` continues from `generation`. */
  load(nodes: Iterable<[string, NodeInit]>, generation: number): void {
    this.nodes.clear();
    this.owners.clear();
    for (const [p, r] of nodes) this.put(p, r);
    this.generation = Math.max(generation, this.generation);
  }
}
