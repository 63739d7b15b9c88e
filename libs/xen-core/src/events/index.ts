/** 2-level event channels (ABI §7): port tables, the shared_info protocol, VIRQs, hypercalls 32/16. */
export * from './abi';
export * from './port-table';
export * from './two-level';
export * from './event-channels';
export * from './event-channel-op';
