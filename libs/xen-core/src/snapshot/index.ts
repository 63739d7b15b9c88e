// SnapshotError is exported with the xenstore layer (one class for every snapshot layer).
export { FieldReader, FieldWriter } from './codec';
export * from './stream';
