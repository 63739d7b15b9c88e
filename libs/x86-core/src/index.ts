/**
 * x86-core: an x86-64 processor (state, decoder, interpreter, MMU, physical memory) with an embedder
 * interface through which a hypervisor acts as ring 0. See docs/x86-core.md.
 */
export {
  Cpu,
  RunExit,
  EXIT_BUDGET,
  EXIT_HLT,
  EXIT_EXCEPTION,
  EXIT_SYSCALL,
  EXIT_SOFTWARE_INT,
  EXIT_TRIPLE_FAULT,
  EXIT_STOP,
  EXIT_UNSUPPORTED,
  EXIT_NAMES,
  type Embedder,
  type CpuOptions,
} from './cpu';
export {
  PhysicalMemory,
  PAGE_SIZE,
  MAX_PHYSICAL_BYTES,
  type CodeTracker,
  type SharedMemoryHandle,
} from './memory/physical-memory';
export { TLB_SIZE, PF_P, PF_W, PF_U, PF_RSVD, PF_ID } from './memory/mmu';
export * as layout from './state/layout';
export {
  DE,
  DB,
  NMI,
  BP,
  OF,
  BR,
  UD,
  NM,
  DF,
  TS,
  NP,
  SSF,
  GP,
  PF,
  MF,
  AC,
  MC,
  XM,
  ATTR_CODE64,
  ATTR_CODE32,
  ATTR_DATA,
  attrWithDpl,
} from './state/cpu-state';
export { decodeOne, type DecodeInfo, type OperandInfo } from './decoder/decode-one';
export type { OpcodeRow, Handler } from './decoder/opcode-row';
export { Insn, EXEC_NEXT, EXEC_END, EXEC_FAULT, EXEC_EXIT } from './decoder/insn';
export { registerOpcodeRows, allRows } from './isa/opcode-table';
export {
  runSnippet,
  buildSnippetMachine,
  type SnippetInput,
  type SnippetOutput,
} from './testing/run-snippet';
