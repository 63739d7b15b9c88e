import type { XsPrincipal } from './permissions';
import type { Transaction } from './transaction';
import type { XsWatch } from './watches';
import type { XsMessage } from './wire';

/** Where a connection's replies and watch events go (a ring transport, or a local client). */
export type XsSink = (msg: XsMessage) => void;

/** One client of the store: a guest's ring, or the control domain's in-process client. */
export class XsConnection implements XsPrincipal {
  readonly watches: XsWatch[] = [];
  readonly transactions = new Map<number, Transaction>();
  /** XS_SET_TARGET: a stub domain acts with its target's rights. */
  target: number | undefined = undefined;
  closed = false;

  constructor(
    readonly id: number,
    readonly domid: number,
    readonly privileged: boolean,
    readonly sink: XsSink,
  ) {}
}
