/** What the page-table code needs to know about the domain owning a table. */
export interface PtDomain {
  readonly id: number;
  /** VMASST_TYPE_m2p_strict enabled. */
  m2pStrict(): boolean;
  /** May map I/O memory / set cache attributes (never true for a plain domU). */
  readonly ioMemAccess: boolean;
}
