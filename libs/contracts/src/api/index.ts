// Request and response bodies of the HTTP API (docs/api.md has the route table).
export * from './auth';
export * from './tokens';
export * from './tenants';
export * from './images';
export * from './quotas';
export * from './domains';
export * from './fleet';
export * from './admin';
export * from './audit';
export * from './usage';
