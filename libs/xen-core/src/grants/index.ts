/** Grant tables v1 (ABI §8): tables, maptrack, map/unmap (host PTEs), copy, hypercall 20. */
export * from './abi';
export * from './grant-table';
export * from './maptrack';
export * from './host-mapping';
export * from './grant-map';
export * from './grant-copy';
export * from './grant-tables';
export * from './host-access';
export * from './grant-table-op';
export * from './add-to-physmap';
