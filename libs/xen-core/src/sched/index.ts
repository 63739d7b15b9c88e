export * from './credit-params';
export * from './credit-scheduler';
