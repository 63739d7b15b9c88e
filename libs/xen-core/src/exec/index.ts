/**
 * The execution layer of xen-core (issue #4, CPU half): vCPUs on x86-core, traps and bounce frames,
 * privileged-instruction emulation, the hypercalls that need a CPU, and the console backend.
 */
export * from './abi';
export * from './pv-host';
export * from './exec-domain';
export * from './vcpu-arch';
export * from './env';
export * from './cpuid-policy';
export * from './console/console-backend';
export * from './console/console-ring';
export * from './hypercalls/pv-table';
export { PvCpu } from './x86/pv-cpu';
