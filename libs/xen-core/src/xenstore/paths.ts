import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from './wire';

/** Special watch paths fired on XS_INTRODUCE / XS_RELEASE (and domain death). */
export const INTRODUCE_DOMAIN = '@introduceDomain';
export const RELEASE_DOMAIN = '@releaseDomain';
export const SPECIAL_PATHS = [INTRODUCE_DOMAIN, RELEASE_DOMAIN] as const;

export const domainPath = (domid: number): string => `/local/domain/${domid}`;

/** Relative paths live under the connection's /local/domain/<id>/. */
export function canonicalize(domid: number, path: string): string {
  return path.startsWith('/') || path.startsWith('@') ? path : `${domainPath(domid)}/${path}`;
}

const VALID_CHARS = /^[A-Za-z0-9\-/_@]*$/;
const LOCAL_PREFIX = /^\/local\/domain\/[0-9]{1,5}\//;

/**
 * is_valid_nodename(): absolute, no trailing or double slash, only [A-Za-z0-9-/_@]; the part after
 * /local/domain/<id>/ at most XENSTORE_REL_PATH_MAX long, the whole at most XENSTORE_ABS_PATH_MAX.
 * Special (@) names only where `allowSpecial`.
 */
export function isValidPath(path: string, allowSpecial = false): boolean {
  if (allowSpecial && path.startsWith('@')) {
    return path.length <= XENSTORE_REL_PATH_MAX && VALID_CHARS.test(path);
  }
  if (!path.startsWith('/')) return false;
  if (path.endsWith('/') && path !== '/') return false;
  if (path.includes('//')) return false;
  if (path.length > XENSTORE_ABS_PATH_MAX) return false;
  const local = LOCAL_PREFIX.exec(path);
  if (path.length - (local ? local[0].length : 0) > XENSTORE_REL_PATH_MAX) return false;
  return VALID_CHARS.test(path);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

export const childPath = (parent: string, name: string): string =>
  parent === '/' ? `/${name}` : `${parent}/${name}`;

/** is_child(): `path` is `of` or below it. */
export function isUnder(path: string, of: string): boolean {
  if (path === of) return true;
  if (of === '/') return path.startsWith('/');
  return path.startsWith(of) && path[of.length] === '/';
}
