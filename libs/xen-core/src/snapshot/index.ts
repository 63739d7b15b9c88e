// SnapshotError is exported with the xenstore layer (one class for every snapshot layer).
export { FieldReader, FieldWriter } from './codec';
export * from './stream';
export { saveDomain, type SaveReport, type SavedSnapshot } from './save-domain';
export { restoreDomain, type RestoreOptions } from './restore-domain';
