/** The pure SSE/SSE2 semantic functions in one namespace: `sse.paddb(state, dstXmm, srcXmm)`. */
export * from './sse-int';
export * from './sse-move';
export * from './sse-fp';
export * from './sse-cvt';
export { comiOut } from './sse-fp';
