/** xenstored (ABI §10.2): wire codec, store with permissions/quotas/transactions/watches, ring transport. */
export * from './wire';
export * from './paths';
export * from './permissions';
export * from './store';
export * from './transaction';
export * from './watches';
export * from './node-ops';
export * from './connection';
export * from './server';
export * from './client';
export * from './ring';
export * from './service';
export * from './domain-layout';
export * from './snapshot';
