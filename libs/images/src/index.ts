export * from './image-store';
