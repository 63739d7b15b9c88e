import type { GrantTable } from './grant-table';

/** One grant_mapping: what a mapping domain holds, and the references backing it. */
export interface GrantMapping {
  /** GNTMAP_* of the parts still mapped (device_map / host_map, + readonly etc.); 0 = free. */
  flags: number;
  /** The granting domain's table (kept even if that domain dies first) and the grant reference. */
  table: GrantTable;
  ref: number;
  mfn: number;
  /** Where the host mapping lives (VA, or PTE machine address with contains_pte). */
  hostAddr: bigint;
}

/**
 * A domain's maptrack table: mapping handles → mappings. Handles are reused lowest-first; the
 * table holds at most `limit` entries (max_maptrack_frames × 256).
 */
export class Maptrack {
  private readonly entries: Array<GrantMapping | undefined> = [];

  constructor(readonly limit: number) {}

  /** get_maptrack_handle(): a free handle, or undefined when the table is full. */
  alloc(m: GrantMapping): number | undefined {
    let h = this.entries.findIndex((e) => e === undefined);
    if (h < 0) {
      if (this.entries.length >= this.limit) return undefined;
      h = this.entries.length;
      this.entries.push(undefined);
    }
    this.entries[h] = m;
    return h;
  }

  get(handle: number): GrantMapping | undefined {
    return Number.isInteger(handle) && handle >= 0 ? this.entries[handle] : undefined;
  }

  free(handle: number): void {
    this.entries[handle] = undefined;
  }

  *live(): Iterable<[number, GrantMapping]> {
    for (let h = 0; h < this.entries.length; h++) {
      const e = this.entries[h];
      if (e) yield [h, e];
    }
  }
}
