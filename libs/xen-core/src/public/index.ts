/** Constants named as in Xen's public headers. */
export * from './errno';
export * from './xen';
export * from './elfnote';
export * from './features';
export * from './memory';
export * from './version';
export * from './page';
export * from './layout';
