import { XEN_EFAULT, XEN_EINVAL, XEN_ENOBUFS, XEN_ENOSYS } from '../../public/errno';
import {
  XENFEAT_direct_mapped,
  XENFEAT_gnttab_map_avail_bits,
  XENFEAT_highmem_assist,
  XENFEAT_mmu_pt_update_preserve_ad,
  XENFEAT_pae_pgdir_above_4gb,
} from '../../public/features';
import { PAGE_SIZE } from '../../public/page';
import * as V from '../../public/version';
import {
  __HYPERVISOR_xen_version,
  HYPERVISOR_VIRT_START,
  VMASST_TYPE_pae_extended_cr3,
} from '../../public/xen';
import type { HypercallContext } from '../context';
import { defineHypercall } from '../table';

/** What xen_version reports about this hypervisor. */
export interface XenVersionInfo {
  major: number;
  minor: number;
  extraversion: string;
  changeset: string;
  compiler: string;
  compileBy: string;
  compileDomain: string;
  compileDate: string;
  capabilities: string;
  commandline: string;
  buildId: Uint8Array;
}

export const DEFAULT_VERSION_INFO: XenVersionInfo = {
  major: 4,
  minor: 19,
  extraversion: '.0-xenoserver',
  changeset: 'xenoserver',
  compiler: 'TypeScript',
  compileBy: 'xenoserver',
  compileDomain: 'xenoserver',
  compileDate: '',
  capabilities: 'xen-3.0-x86_64 ',
  commandline: '',
  buildId: Buffer.from('xenoserver-xen-core-build-id', 'latin1').subarray(0, 20),
};

/** XENVER_get_features submap 0 for a PV domU: only what is implemented. */
export function pvFeatureSubmap(ctx: HypercallContext): number {
  let bits =
    (1 << XENFEAT_mmu_pt_update_preserve_ad) |
    (1 << XENFEAT_highmem_assist) |
    (1 << XENFEAT_gnttab_map_avail_bits) |
    (1 << XENFEAT_direct_mapped);
  if (ctx.domain.vmAssist.has(VMASST_TYPE_pae_extended_cr3)) bits |= 1 << XENFEAT_pae_pgdir_above_4gb;
  return bits >>> 0;
}

/** A NUL-padded fixed-size char array. */
function fixed(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(Buffer.from(text, 'latin1').subarray(0, size - 1));
  return out;
}

const put = (ctx: HypercallContext, arg: bigint, data: Uint8Array): number =>
  ctx.guest.write(arg, data) ? 0 : -XEN_EFAULT;

/** The varbuf sub-ops: `{u32 len; u8 buf[]}`, NULL → size needed. */
function varbuf(ctx: HypercallContext, arg: bigint, data: Uint8Array): number {
  if (arg === 0n) return data.length;
  const len = ctx.guest.readU32(arg);
  if (len === undefined) return -XEN_EFAULT;
  if (len < data.length) return -XEN_ENOBUFS;
  return ctx.guest.write(arg + 4n, data) ? data.length : -XEN_EFAULT;
}

export function xenVersion(ctx: HypercallContext, cmd: number, arg: bigint): number {
  const v = ctx.sys.version;
  switch (cmd) {
    case V.XENVER_version:
      return (v.major << 16) | v.minor;
    case V.XENVER_extraversion:
      return put(ctx, arg, fixed(v.extraversion, V.XEN_EXTRAVERSION_LEN));
    case V.XENVER_compile_info: {
      const [a, b, c, d] = V.XEN_COMPILE_INFO_FIELDS;
      return put(
        ctx,
        arg,
        Buffer.concat([
          fixed(v.compiler, a),
          fixed(v.compileBy, b),
          fixed(v.compileDomain, c),
          fixed(v.compileDate, d),
        ]),
      );
    }
    case V.XENVER_capabilities:
      return put(ctx, arg, fixed(v.capabilities, V.XEN_CAPABILITIES_INFO_LEN));
    case V.XENVER_changeset:
      return put(ctx, arg, fixed(v.changeset, V.XEN_CHANGESET_INFO_LEN));
    case V.XENVER_platform_parameters: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, HYPERVISOR_VIRT_START, true);
      return put(ctx, arg, b);
    }
    case V.XENVER_get_features: {
      const idx = ctx.guest.readU32(arg);
      if (idx === undefined) return -XEN_EFAULT;
      if (idx !== 0) return -XEN_EINVAL;
      return ctx.guest.writeU32(arg + 4n, pvFeatureSubmap(ctx)) ? 0 : -XEN_EFAULT;
    }
    case V.XENVER_pagesize:
      return arg === 0n ? PAGE_SIZE : -XEN_EINVAL;
    case V.XENVER_guest_handle:
      return put(ctx, arg, ctx.domain.handle.slice(0, 16));
    case V.XENVER_commandline:
      return put(ctx, arg, fixed(v.commandline, V.XEN_COMMANDLINE_LEN));
    case V.XENVER_build_id:
      return varbuf(ctx, arg, v.buildId);
    case V.XENVER_extraversion2:
      return varbuf(ctx, arg, Buffer.from(v.extraversion, 'latin1'));
    case V.XENVER_capabilities2:
      return varbuf(ctx, arg, Buffer.from(v.capabilities, 'latin1'));
    case V.XENVER_changeset2:
      return varbuf(ctx, arg, Buffer.from(v.changeset, 'latin1'));
    case V.XENVER_commandline2:
      return varbuf(ctx, arg, Buffer.from(v.commandline, 'latin1'));
    default:
      return -XEN_ENOSYS;
  }
}

export const xenVersionHypercall = defineHypercall({
  nr: __HYPERVISOR_xen_version,
  name: 'xen_version',
  args: ['int', 'ptr'],
  handler: xenVersion,
});
