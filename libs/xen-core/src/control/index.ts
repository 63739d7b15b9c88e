export * from './control-error';
export * from './domain-control';
export * from './domain-state';
