import { XEN_E2BIG, XEN_EFAULT, XEN_ENOSYS } from '../../public/errno';
import { PAGE_SIZE } from '../../public/page';
import { CONSOLEIO_read, CONSOLEIO_write } from '../../public/version';
import { __HYPERVISOR_console_io } from '../../public/xen';
import type { HypercallContext } from '../context';
import { defineHypercall } from '../table';

const INT_MAX = 0x7fffffff;

/**
 * console_io(cmd, count, buf) (§9.3): CONSOLEIO_write is allowed for every
 * domain and goes to the domain's console sink; there is no hypervisor serial
 * input, so CONSOLEIO_read returns 0 bytes.
 */
export function consoleIo(ctx: HypercallContext, cmd: number, count: number, buf: bigint): number {
  switch (cmd) {
    case CONSOLEIO_write:
      for (let done = 0; done < count;) {
        const n = Math.min(count - done, PAGE_SIZE);
        const bytes = ctx.guest.read(buf + BigInt(done), n);
        if (!bytes) return -XEN_EFAULT;
        ctx.domain.console.write(ctx.domain.id, bytes);
        done += n;
      }
      return 0;
    case CONSOLEIO_read:
      return count > INT_MAX ? -XEN_E2BIG : 0;
    default:
      return -XEN_ENOSYS;
  }
}

export const consoleIoHypercall = defineHypercall({
  nr: __HYPERVISOR_console_io,
  name: 'console_io',
  args: ['uint', 'uint', 'ptr'],
  handler: consoleIo,
});
