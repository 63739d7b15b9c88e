import { domainPath, isUnder } from './paths';
import type { XsPerm } from './permissions';

/** A change that may fire watches (fire_watches()). */
export interface WatchEvent {
  /** The changed node (or special @ name). */
  path: string;
  /** Only watches on exactly this path fire (descendants of a removed node). */
  exact: boolean;
  /** Permissions deciding who may see the event (the node's, before removal / after a change). */
  perms: readonly XsPerm[];
  /** SET_PERMS: the permissions before the change (readable under either → visible). */
  oldPerms?: readonly XsPerm[];
}

/** One registered watch. */
export interface XsWatch {
  /** Canonical (absolute or @special) path. */
  path: string;
  token: string;
  /** Registered with a relative path: events are reported relative to the domain's home. */
  relative: boolean;
}

export function watchMatches(w: XsWatch, ev: WatchEvent): boolean {
  return ev.exact || ev.path.startsWith('@') ? ev.path === w.path : isUnder(ev.path, w.path);
}

/** The path reported in XS_WATCH_EVENT: relative watches get the part below /local/domain/<id>/. */
export function reportedPath(w: XsWatch, path: string, domid: number): string {
  if (!w.relative) return path;
  const home = domainPath(domid);
  const rest = path.startsWith(home) ? path.slice(home.length) : path;
  return rest.startsWith('/') ? rest.slice(1) : rest;
}
