/**
 * Node permissions (xenstored's struct node_perms): entry 0 names the owner and, in its bits, what
 * every domain not listed may do; later entries grant listed domains n/r/w/b.
 */

export const XS_PERM_NONE = 0;
export const XS_PERM_READ = 1;
export const XS_PERM_WRITE = 2;
/** Internal: owner rights (SET_PERMS). Never appears on the wire. */
export const XS_PERM_OWNER = 8;
export const XS_PERM_ALL = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

export interface XsPerm {
  domid: number;
  /** XS_PERM_READ | XS_PERM_WRITE bits. */
  perm: number;
}

/** Who is asking: a connection's domain, whether it is privileged (dom0), and its target (stubdoms). */
export interface XsPrincipal {
  readonly domid: number;
  readonly privileged: boolean;
  readonly target?: number;
}

const LETTERS: Record<string, number> = {
  n: XS_PERM_NONE,
  r: XS_PERM_READ,
  w: XS_PERM_WRITE,
  b: XS_PERM_READ | XS_PERM_WRITE,
};
const TO_LETTER = ['n', 'r', 'w', 'b'];

/** "r5" → {domid 5, READ}; undefined if malformed (xs_strings_to_perms). */
export function parsePerm(s: string): XsPerm | undefined {
  const perm = LETTERS[s[0]];
  const id = s.slice(1);
  if (perm === undefined || !/^[0-9]{1,5}$/.test(id) || Number(id) > 0xffff) return undefined;
  return { domid: Number(id), perm };
}

export const formatPerm = (p: XsPerm): string => TO_LETTER[p.perm & 3] + String(p.domid);

/** perm_for_conn(): owners, the privileged and a stubdom's target get everything. */
export function permFor(who: XsPrincipal, perms: readonly XsPerm[]): number {
  const owner = perms[0];
  if (
    who.privileged ||
    owner.domid === who.domid ||
    (who.target !== undefined && owner.domid === who.target)
  ) {
    return XS_PERM_ALL;
  }
  for (let i = 1; i < perms.length; i++) {
    const p = perms[i];
    if (p.domid === who.domid || (who.target !== undefined && p.domid === who.target)) return p.perm & 3;
  }
  return owner.perm & 3;
}
