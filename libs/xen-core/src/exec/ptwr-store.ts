/**
 * The instruction side of the writable-page-table assist (§5.6): on a guest-kernel write fault to a
 * read-only page, decode the faulting store — MOV, XCHG, CMPXCHG, OR/AND/XOR and BTS/BTR/BTC with a
 * memory destination, the forms kernels use on PTEs — and hand it to the MM's ptwrEmulate(), which
 * validates the new entry and applies it. On success the instruction is completed here (register
 * results, flags, RIP); anything else is left for the caller to deliver as #PF.
 */
import { walkGuest } from '../mm/guest-walk';
import { ptwrEmulate, type PtwrWrite } from '../mm/ptwr';
import { drainTypeFlush } from '../mm/pv-mmu';
import type { MmEffect } from '../mm/mm-effects';
import { X86_EFLAGS_CF, X86_EFLAGS_OF, X86_EFLAGS_PF, X86_EFLAGS_SF, X86_EFLAGS_ZF } from './abi';
import type { ExecEnv } from './env';
import { decodeAtRip, effectiveAddress, immediate, operandMask, readGpr, writeGpr } from './insn-operands';
import type { ArchVcpu } from './vcpu-arch';
import { MAP_0F, MAP_1, type DecodedInsn } from './x86/decode';
import { RAX } from './x86/pv-cpu';

type Op =
  | { kind: 'mov'; value: bigint }
  | { kind: 'xchg' }
  | { kind: 'cmpxchg' }
  | { kind: 'logic'; fn: 'or' | 'and' | 'xor'; src: bigint }
  | { kind: 'bit'; fn: 'bts' | 'btr' | 'btc'; bit: number };

const LOGIC: Record<number, 'or' | 'and' | 'xor'> = { 1: 'or', 4: 'and', 6: 'xor' };
const BITOP: Record<number, 'bts' | 'btr' | 'btc'> = { 5: 'bts', 6: 'btr', 7: 'btc' };

/** The store an instruction performs on its memory operand, or undefined if not one we emulate. */
function classify(env: ExecEnv, i: DecodedInsn): Op | undefined {
  if (i.mod === 3) return undefined;
  const cpu = env.cpu;
  const src = (): bigint => readGpr(cpu, i.reg, i.os, i.regByteHigh);
  if (i.map === MAP_1) {
    switch (i.op) {
      case 0x88:
      case 0x89:
        return { kind: 'mov', value: src() };
      case 0xc6:
      case 0xc7:
        return i.reg === 0 ? { kind: 'mov', value: immediate(i) } : undefined;
      case 0x86:
      case 0x87:
        return { kind: 'xchg' };
      case 0x08:
      case 0x09:
        return { kind: 'logic', fn: 'or', src: src() };
      case 0x20:
      case 0x21:
        return { kind: 'logic', fn: 'and', src: src() };
      case 0x30:
      case 0x31:
        return { kind: 'logic', fn: 'xor', src: src() };
      case 0x80:
      case 0x81:
      case 0x83: {
        const fn = LOGIC[i.reg];
        return fn ? { kind: 'logic', fn, src: immediate(i) } : undefined;
      }
      default:
        return undefined;
    }
  }
  if (i.map === MAP_0F) {
    switch (i.op) {
      case 0xb0:
      case 0xb1:
        return { kind: 'cmpxchg' };
      case 0xab:
      case 0xb3:
      case 0xbb: {
        // Register bit offset: only offsets inside the operand (no address adjustment).
        const off = readGpr(cpu, i.reg, i.os);
        if (off >= BigInt(i.os * 8)) return undefined;
        return { kind: 'bit', fn: i.op === 0xab ? 'bts' : i.op === 0xb3 ? 'btr' : 'btc', bit: Number(off) };
      }
      case 0xba: {
        const fn = BITOP[i.reg];
        return fn ? { kind: 'bit', fn, bit: Number(i.imm & BigInt(i.os * 8 - 1)) } : undefined;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

function parity(v: bigint): boolean {
  let b = Number(v & 0xffn);
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  return (b & 1) === 0;
}

function setFlags(env: ExecEnv, set: number, clear: number): void {
  env.cpu.rflags = (env.cpu.rflags & ~clear) | set;
}

const ARITH = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF;

/**
 * Try the ptwr path for a write fault at `cr2` in guest kernel mode. Returns the MM effects to apply
 * when the store was emulated (RIP advanced), or undefined to deliver the #PF.
 */
export function emulatePtwrStore(env: ExecEnv, v: ArchVcpu, cr2: bigint): MmEffect[] | undefined {
  if (!v.vcpu.inKernel || !v.dom.domain.writablePagetables()) return undefined;
  const i = decodeAtRip(env, v);
  if (!i) return undefined;
  const op = classify(env, i);
  if (!op) return undefined;
  const cpu = env.cpu;
  const addr = effectiveAddress(cpu, i);
  const bytes = i.os;
  const m = operandMask(bytes);
  // The current value (for RMW forms, xchg and cmpxchg), read through the kernel tables.
  const { mem, frames } = env.sys.host;
  const w = walkGuest(mem, frames.nrFrames, v.vcpu.guestTable, addr, { write: false, user: true });
  if (!w.ok || (w.maddr & 0xfff) + bytes > 4096) return undefined;
  let cur = 0n;
  for (let k = bytes - 1; k >= 0; k--) cur = (cur << 8n) | BigInt(mem.readU8(w.maddr + k));

  let write: PtwrWrite;
  let result = 0n;
  switch (op.kind) {
    case 'mov':
      write = { addr, bytes, value: op.value & m };
      break;
    case 'xchg':
      write = { addr, bytes, value: readGpr(cpu, i.reg, bytes, i.regByteHigh) };
      break;
    case 'cmpxchg':
      write = {
        addr,
        bytes,
        value: readGpr(cpu, i.reg, bytes, i.regByteHigh),
        cmpxchgOld: readGpr(cpu, RAX, bytes),
      };
      break;
    case 'logic':
      result = op.fn === 'or' ? cur | op.src : op.fn === 'and' ? cur & op.src : cur ^ op.src;
      write = { addr, bytes, value: result & m };
      break;
    case 'bit': {
      const b = 1n << BigInt(op.bit);
      result = op.fn === 'bts' ? cur | b : op.fn === 'btr' ? cur & ~b : cur ^ b;
      write = { addr, bytes, value: result & m };
      break;
    }
  }
  const ctx = env.sys.context(v.dom.domain, v.vcpu);
  const r = ptwrEmulate(ctx, cr2, write);
  drainTypeFlush(ctx);
  if (r.kind === 'not-handled') return undefined;

  if (op.kind === 'xchg') writeGpr(cpu, i.reg, bytes, cur, i.regByteHigh);
  if (op.kind === 'cmpxchg') {
    if (r.kind === 'cmpxchg-failed') {
      writeGpr(cpu, RAX, bytes, r.current & m);
      setFlags(env, 0, X86_EFLAGS_ZF);
    } else setFlags(env, X86_EFLAGS_ZF, 0);
  }
  if (op.kind === 'logic') {
    const res = result & m;
    const sign = (res >> BigInt(bytes * 8 - 1)) & 1n;
    setFlags(
      env,
      (res === 0n ? X86_EFLAGS_ZF : 0) | (sign ? X86_EFLAGS_SF : 0) | (parity(res) ? X86_EFLAGS_PF : 0),
      ARITH,
    );
  }
  if (op.kind === 'bit') setFlags(env, (cur >> BigInt(op.bit)) & 1n ? X86_EFLAGS_CF : 0, X86_EFLAGS_CF);
  cpu.rip = cpu.rip + BigInt(i.length);
  return ctx.effects;
}
