/**
 * Block compiler: turns a hot decoded block — or a small region of blocks that branch among each
 * other, such as a loop — into one JavaScript function that calls each instruction's handler through
 * a constant binding. V8 then sees monomorphic call sites and inlines the handlers, and a loop runs
 * without returning to the dispatcher. Semantics are identical to the interpreter loop: the same
 * handlers run on the same state.
 *
 * Contract with Cpu.run (`c` is the Cpu):
 * - before the call: `c.lim` = length of the entry block (set to 0 by self-modifying-code
 *   invalidation or requestStop, checked after every instruction), `c.loopMax` = instruction budget
 *   left (≥ the entry block's length).
 * - the result is (k << 4) | r for the block the function stopped in, exactly as the interpreter
 *   would report it for that block: r is the handler result (EXEC_*), k the index of the instruction
 *   that returned it (for r = 0, the number of instructions executed in that block).
 * - `c.regionLast` = index of that block in the region, `c.loopIter` = instructions retired in
 *   earlier blocks during this call.
 * - the function only moves from one block to the next when the next RIP is the start of a region
 *   block that is still valid, the translation epoch is unchanged, no single-step condition (TF or
 *   an interrupt shadow) arose, and the whole next block fits in the budget.
 *
 * The generated source contains only identifiers and integers (no guest data).
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import type { Handler } from '../decoder/opcode-row';
import { FLAGS, F_TF, INT_SHADOW, RIP_HI, RIP_LO } from '../state/layout';
import type { Block } from './block-cache';

export type CompiledBlock = (c: Cpu) => number;

/**
 * Default executions of a block before it is compiled. Compiling costs ~0.1 ms (new Function +
 * later optimisation); it pays off after a few hundred executions of a typical block.
 */
export const COMPILE_THRESHOLD = 100;
/**
 * Largest number of blocks / instructions in one compiled region. V8 inlines handlers into a function
 * only up to a cumulative bytecode budget, so in larger regions the later handlers stay calls; 16
 * measured faster than 32 on tools/bench (docs/performance.md).
 */
export const MAX_REGION_BLOCKS = 8;
export const MAX_REGION_INSNS = 16;

/**
 * The region for `entry`: the blocks reachable through chained successors (links made under the
 * current translation epoch, same code mode, breadth first, at most MAX_REGION_BLOCKS) that can
 * reach `entry` again — i.e. the loops through `entry`. Blocks that only lead away are left out so
 * that the compiled function stays small.
 */
export function collectRegion(entry: Block, epoch: number): Block[] {
  const seen: Block[] = [entry];
  const succ = (b: Block): Block[] => {
    const out: Block[] = [];
    if (b.a !== null && b.aEpoch === epoch && b.a.valid && b.a.mode === entry.mode) out.push(b.a);
    if (b.b !== null && b.bEpoch === epoch && b.b.valid && b.b.mode === entry.mode) out.push(b.b);
    return out;
  };
  for (let q = 0; q < seen.length && seen.length < MAX_REGION_BLOCKS * 2; q++)
    for (const n of succ(seen[q])) if (!seen.includes(n)) seen.push(n);
  // keep the blocks from which `entry` is reachable inside `seen`
  const keep = new Set<Block>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of seen) {
      if (keep.has(b)) continue;
      if (succ(b).some((n) => n === entry || keep.has(n))) {
        keep.add(b);
        changed = true;
      }
    }
  }
  const out = [entry];
  let insns = entry.insns.length;
  for (const b of seen) {
    if (b === entry || !keep.has(b) || out.length >= MAX_REGION_BLOCKS) continue;
    if (insns + b.insns.length > MAX_REGION_INSNS) continue;
    insns += b.insns.length;
    out.push(b);
  }
  return out;
}

function regionSource(blocks: readonly Block[]): string {
  const lines: string[] = [];
  const decl: string[] = [];
  blocks.forEach((b, j) => {
    decl.push(`b${j} = bs[${j}]`);
    b.insns.forEach((_, k) =>
      decl.push(`h${j}_${k} = bs[${j}].insns[${k}].h, i${j}_${k} = bs[${j}].insns[${k}]`),
    );
  });
  lines.push(`const ${decl.join(',\n  ')};`);
  lines.push(`return function region(c) {`);
  lines.push(`  const s = c.s, ep = c.epoch, max = c.loopMax;`);
  lines.push(`  let r = 0, done = 0, pc = 0, lo = 0, hi = 0;`);
  lines.push(`  for (;;) {`);
  lines.push(`    switch (pc) {`);
  blocks.forEach((b, j) => {
    const n = b.insns.length;
    const ret = (expr: string): string => `{ c.loopIter = done; c.regionLast = ${j}; return ${expr}; }`;
    lines.push(`      case ${j}:`);
    for (let k = 0; k < n; k++) {
      lines.push(`        r = h${j}_${k}(c, i${j}_${k});`);
      if (k < n - 1) {
        lines.push(`        if (r !== 0) ${ret(`r | ${k << 4}`)}`);
        lines.push(`        if (c.lim === 0) ${ret(`${(k + 1) << 4}`)}`);
      }
    }
    const last = b.insns[n - 1];
    // the last instruction: fall through (RIP = block end) or a taken branch (RIP already set)
    lines.push(`        if (r === 0) { s[${RIP_LO}] = ${last.nextLo}; s[${RIP_HI}] = ${last.nextHi}; }`);
    lines.push(`        else if (r !== 1) ${ret(`r | ${(n - 1) << 4}`)}`);
    lines.push(`        done += ${n};`);
    lines.push(`        break;`);
  });
  lines.push(`    }`);
  // transition: the block `pc` completed with RIP set; continue only inside the region
  lines.push(`    lo = s[${RIP_LO}]; hi = s[${RIP_HI}];`);
  lines.push(`    const cur = pc;`);
  lines.push(`    pc = -1;`);
  blocks.forEach((b, j) => {
    lines.push(
      `    if (lo === ${b.lo} && hi === ${b.hi} && b${j}.valid && done + ${b.insns.length} <= max) pc = ${j};`,
    );
    if (j < blocks.length - 1) lines.push(`    else`);
  });
  lines.push(
    `    if (pc < 0 || c.lim === 0 || c.epoch !== ep || s[${INT_SHADOW}] !== 0 || (s[${FLAGS}] & ${F_TF}) !== 0) {`,
  );
  lines.push(`      c.regionLast = cur;`);
  lines.push(`      switch (cur) {`);
  blocks.forEach((b, j) => {
    const n = b.insns.length;
    lines.push(`        case ${j}: c.loopIter = done - ${n}; return ${1 | ((n - 1) << 4)};`);
  });
  lines.push(`      }`);
  lines.push(`    }`);
  lines.push(`  }`);
  lines.push(`};`);
  return lines.join('\n');
}

/** Compile a region (entry block first) into one function. */
export function compileRegion(blocks: readonly Block[]): CompiledBlock {
  // A new Function per region (not one cached factory): closures created from one function literal
  // share type feedback in V8, so every region needs its own literal to get its handlers inlined.
  const make = new Function('bs', regionSource(blocks)) as (bs: readonly Block[]) => CompiledBlock;
  return make(blocks.slice());
}

/** Compile a single block (a region of one). */
export function compileBlock(insns: readonly Insn[]): CompiledBlock {
  const hs: Handler[] = insns.map((i) => i.h);
  let body = `const ${hs.map((_, k) => `h${k} = hs[${k}], i${k} = is[${k}]`).join(', ')};\n`;
  body += `return function block(c) {\n  let r;\n  c.loopIter = 0;\n  c.regionLast = 0;\n`;
  for (let k = 0; k < insns.length; k++) {
    body += `  r = h${k}(c, i${k});\n  if (r !== 0) return r | ${k << 4};\n`;
    if (k < insns.length - 1) body += `  if (c.lim === 0) return ${(k + 1) << 4};\n`;
  }
  body += `  return ${insns.length << 4};\n};`;
  const make = new Function('hs', 'is', body) as (hs: Handler[], is: Insn[]) => CompiledBlock;
  return make(hs, insns.slice());
}
