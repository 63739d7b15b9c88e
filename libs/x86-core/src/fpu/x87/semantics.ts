/** The pure x87 semantic functions in one namespace: `x87.farithReg(state, X87Op.Add, 0, 1, false)`. */
export * from './x87-arith';
export * from './x87-ldst';
export * from './x87-cmp';
export * from './x87-env';
export * from './x87-trans';
export { top, phys, isEmpty, readST, writeST, pendingFault } from './x87-stack';
