import type { XenstoreClient } from './client';
import { domainPath } from './paths';

/** What the toolstack tells a new domain through xenstore (libxl__domain_make / build_post). */
export interface DomainStoreInfo {
  domid: number;
  name: string;
  /** memory/target and memory/static-max, in KiB. */
  memoryKiB: number;
  vcpus?: number;
  uuid?: string;
  console?: { ringRef: number | bigint; port: number };
  store?: { ringRef: number | bigint; port: number };
}

/** Control-domain-only (the domain may read). */
const ro = (domid: number): string[] => ['n0', `r${domid}`];
/** Owned by the domain. */
const rw = (domid: number): string[] => [`n${domid}`];

/** Shutdown requests a PV guest understands in control/shutdown. */
export type ShutdownRequest = 'poweroff' | 'reboot' | 'halt' | 'suspend' | 'crash';

/**
 * Create /local/domain/<id> the way libxl does: the home readable (not writable) by the domain,
 * control/shutdown, data, drivers, feature, attr, error and device owned by it, plus name, domid,
 * memory, cpu, console and store entries. One transaction (retried on EAGAIN).
 */
export function writeDomainEntries(xs: XenstoreClient, info: DomainStoreInfo): void {
  const d = info.domid;
  const home = domainPath(d);
  xs.transaction((tx) => {
    xs.rm(home, tx);
    const node = (path: string, perms: string[], value = ''): void => {
      xs.write(`${home}${path}`, value, tx);
      xs.setPerms(`${home}${path}`, perms, tx);
    };
    node('', ro(d));
    node('/device', ro(d));
    node('/control', ro(d));
    for (const p of ['shutdown', 'feature-poweroff', 'feature-reboot', 'feature-suspend', 'sysrq']) {
      node(`/control/${p}`, rw(d));
    }
    for (const p of ['data', 'drivers', 'feature', 'attr', 'error']) node(`/${p}`, rw(d));
    node('/name', ro(d), info.name);
    node('/domid', ro(d), String(d));
    if (info.uuid) node('/vm', ro(d), `/vm/${info.uuid}`);
    node('/memory', ro(d));
    node('/memory/static-max', ro(d), String(info.memoryKiB));
    node('/memory/target', ro(d), String(info.memoryKiB));
    node('/cpu', ro(d));
    for (let i = 0; i < (info.vcpus ?? 1); i++) {
      node(`/cpu/${i}`, ro(d));
      node(`/cpu/${i}/availability`, ro(d), 'online');
    }
    if (info.console) {
      node('/console', ro(d));
      node('/console/ring-ref', ro(d), String(info.console.ringRef));
      node('/console/port', ro(d), String(info.console.port));
      node('/console/type', ro(d), 'xenconsoled');
      node('/console/limit', ro(d), '1048576');
    }
    if (info.store) {
      node('/store', ro(d));
      node('/store/ring-ref', ro(d), String(info.store.ringRef));
      node('/store/port', ro(d), String(info.store.port));
    }
  });
}

/** Ask the guest to shut down: it watches control/shutdown, clears it, then calls SCHEDOP_shutdown. */
export function requestShutdown(xs: XenstoreClient, domid: number, what: ShutdownRequest): void {
  xs.write(`${domainPath(domid)}/control/shutdown`, what);
}

export interface DeviceEntries {
  kind: string;
  devid: number;
  frontendDomid: number;
  backendDomid: number;
  /** Extra frontend keys (e.g. nothing for vif/vbd until the frontend writes ring-ref). */
  frontend?: Record<string, string>;
  /** Backend keys (e.g. mac, sectors, mode). */
  backend?: Record<string, string>;
}

/** XenbusStateInitialising (io/xenbus.h). */
export const XenbusStateInitialising = 1;

/**
 * A split-driver device: /local/domain/<front>/device/<kind>/<devid> owned by the frontend and
 * readable by the backend, /local/domain/<back>/backend/<kind>/<front>/<devid> owned by the
 * backend and readable by the frontend, cross-linked, both in state Initialising.
 */
export function writeDeviceEntries(xs: XenstoreClient, dev: DeviceEntries): void {
  const fe = `${domainPath(dev.frontendDomid)}/device/${dev.kind}/${dev.devid}`;
  const be = `${domainPath(dev.backendDomid)}/backend/${dev.kind}/${dev.frontendDomid}/${dev.devid}`;
  const fePerms = [`n${dev.frontendDomid}`, `r${dev.backendDomid}`];
  const bePerms = [`n${dev.backendDomid}`, `r${dev.frontendDomid}`];
  xs.transaction((tx) => {
    const put = (base: string, perms: string[], entries: Record<string, string>): void => {
      xs.mkdir(base, tx);
      xs.setPerms(base, perms, tx);
      for (const [k, v] of Object.entries(entries)) {
        xs.write(`${base}/${k}`, v, tx);
        xs.setPerms(`${base}/${k}`, perms, tx);
      }
    };
    put(fe, fePerms, {
      'backend-id': String(dev.backendDomid),
      backend: be,
      state: String(XenbusStateInitialising),
      ...dev.frontend,
    });
    put(be, bePerms, {
      'frontend-id': String(dev.frontendDomid),
      frontend: fe,
      online: '1',
      state: String(XenbusStateInitialising),
      ...dev.backend,
    });
  });
}
