/** Register numbers and the SYSCALL length, for handlers that touch guest registers directly. */
export { RAX, RCX, RDI, RDX, RSI, RSP, R11 } from '../x86/pv-cpu';

/** Length of the SYSCALL instruction: a continuation re-executes it by moving RIP back this much. */
export const RIP_SYSCALL_LENGTH = 2n;
