// Shared by tools/launcher (npm start) and test/global-setup.ts (npm test): finding or starting the
// Postgres and Redis the stack needs, and the small admin operations done on them.
export * from './managed-process';
export * from './missing-dependency-error';
export * from './ports';
export * from './postgres-admin';
export * from './project-root';
export * from './redis-admin';
export * from './resolve-services';
export * from './sleep';
