// Types and helpers that cross process boundaries (API <-> node agent <-> queues <-> web).
// Keep this library free of runtime dependencies: it is imported by every app, including the browser.
export * from './agent-heartbeat';
export * from './health-report';
export * from './redis-keys';
export * from './domain-lifecycle';
export * from './agent-enrolment';
export * from './image-catalog';
export * from './api';
export * from './domain-transitions';
export * from './console-input';
