/**
 * Opcode rows for system and control instructions (hand-written, not generated).
 */
import { F_B8, F_END, F_F64, F_INV64, F_ONLY64, MAP_0F, MAP_1, type OpcodeRow } from '../decoder/opcode-row';
import type { Insn } from '../decoder/insn';
import * as sys from './system-ops';

function rows(): OpcodeRow[] {
  const r: OpcodeRow[] = [];
  const add = (row: OpcodeRow): void => {
    r.push(row);
  };
  const m1 = (op: number, name: OpcodeRow['name'], ops: string, exec: OpcodeRow['exec'], f = 0): void =>
    add({ map: MAP_1, op, name, ops, exec, f });
  const m2 = (op: number, name: OpcodeRow['name'], ops: string, exec: OpcodeRow['exec'], f = 0): void =>
    add({ map: MAP_0F, op, name, ops, exec, f });

  m1(0xcc, 'int3', '', sys.op_cc_int3, F_END);
  m1(0xcd, 'int', 'Ib', sys.op_cd_int_Ib, F_END);
  m1(0xce, 'into', '', sys.op_ce_into, F_END | F_INV64);
  m1(0xcf, (i: Insn) => (i.os === 2 ? 'iret' : i.os === 4 ? 'iretd' : 'iretq'), '', sys.op_cf_iret, F_END);
  m1(0xe4, 'in', 'AL,Ib', sys.op_e4_in);
  m1(0xe5, 'in', 'eAX,Ib', sys.op_e4_in);
  m1(0xe6, 'out', 'Ib,AL', sys.op_e6_out, F_B8);
  m1(0xe7, 'out', 'Ib,eAX', sys.op_e6_out);
  m1(0xec, 'in', 'AL,DX', sys.op_e4_in);
  m1(0xed, 'in', 'eAX,DX', sys.op_e4_in);
  m1(0xee, 'out', 'DX,AL', sys.op_e6_out, F_B8);
  m1(0xef, 'out', 'DX,eAX', sys.op_e6_out);
  m1(0xf1, 'int1', '', sys.op_f1_int1, F_END);
  m1(0xf4, 'hlt', '', sys.op_f4_hlt, F_END);
  m1(0xf5, 'cmc', '', sys.op_f8_clc);
  m1(0xf8, 'clc', '', sys.op_f8_clc);
  m1(0xf9, 'stc', '', sys.op_f8_clc);
  m1(0xfa, 'cli', '', sys.op_fa_cli);
  m1(0xfb, 'sti', '', sys.op_fb_sti, F_END);
  m1(0xfc, 'cld', '', sys.op_fc_cld);
  m1(0xfd, 'std', '', sys.op_fc_cld);

  // 0F 00 group
  add({ map: MAP_0F, op: 0x00, reg: 0, name: 'sldt', ops: 'Ew', exec: sys.op_0f00_sldt });
  add({ map: MAP_0F, op: 0x00, reg: 1, name: 'str', ops: 'Ew', exec: sys.op_0f00_sldt });
  add({ map: MAP_0F, op: 0x00, reg: 2, name: 'lldt', ops: 'Ew', exec: sys.op_0f00_lldt, f: F_END });
  add({ map: MAP_0F, op: 0x00, reg: 3, name: 'ltr', ops: 'Ew', exec: sys.op_0f00_lldt, f: F_END });
  add({ map: MAP_0F, op: 0x00, reg: 4, name: 'verr', ops: 'Ew', exec: sys.op_0f00_verr });
  add({ map: MAP_0F, op: 0x00, reg: 5, name: 'verw', ops: 'Ew', exec: sys.op_0f00_verr });
  // 0F 01 group
  const g7 = (
    reg: number,
    mod: 'mem' | 'reg' | undefined,
    rm: number | undefined,
    name: string,
    ops: string,
    exec: OpcodeRow['exec'],
    f = 0,
  ): void => add({ map: MAP_0F, op: 0x01, reg, mod, rm, name, ops, exec, f });
  g7(0, 'mem', undefined, 'sgdt', 'Ms', sys.op_0f01_sgdt);
  g7(1, 'mem', undefined, 'sidt', 'Ms', sys.op_0f01_sgdt);
  g7(2, 'mem', undefined, 'lgdt', 'Ms', sys.op_0f01_lgdt, F_END);
  g7(3, 'mem', undefined, 'lidt', 'Ms', sys.op_0f01_lgdt, F_END);
  g7(4, undefined, undefined, 'smsw', 'Ew', sys.op_0f01_smsw);
  g7(6, undefined, undefined, 'lmsw', 'Ew', sys.op_0f01_lmsw, F_END);
  g7(7, 'mem', undefined, 'invlpg', 'M', sys.op_0f01_invlpg, F_END);
  g7(7, 'reg', 0, 'swapgs', '', sys.op_0f01f8_swapgs, F_ONLY64);
  g7(7, 'reg', 1, 'rdtscp', '', sys.op_0f01f9_rdtscp);
  m2(0x02, 'lar', 'Gv,Ew', sys.op_0f02_lar_Gv_Ew);
  m2(0x03, 'lsl', 'Gv,Ew', sys.op_0f02_lar_Gv_Ew);
  m2(0x05, 'syscall', '', sys.op_0f05_syscall, F_END);
  m2(0x06, 'clts', '', sys.op_0f06_clts);
  m2(0x07, (i: Insn) => (i.os === 8 ? 'sysretq' : 'sysret'), '', sys.op_0f07_sysret, F_END);
  m2(0x08, 'invd', '', sys.op_0f09_wbinvd);
  m2(0x09, 'wbinvd', '', sys.op_0f09_wbinvd);
  m2(0x0b, 'ud2', '', sys.op_0f0b_ud2, F_END);
  // 0F 0D: AMD prefetch hints (memory forms), reserved NOPs (register forms)
  const pfw = [
    'prefetch',
    'prefetchw',
    'prefetchwt1',
    'prefetchw',
    'prefetch',
    'prefetch',
    'prefetch',
    'prefetch',
  ];
  for (let k = 0; k < 8; k++) {
    add({ map: MAP_0F, op: 0x0d, reg: k, mod: 'mem', name: pfw[k], ops: 'Mb', exec: sys.op_nop });
    add({ map: MAP_0F, op: 0x0d, reg: k, mod: 'reg', name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  }
  // hint NOPs: 0F 18 prefetches, 0F 19-1F reserved NOPs (0F 1F /0 is the recommended multi-byte NOP)
  const pf = [
    'prefetchnta',
    'prefetcht0',
    'prefetcht1',
    'prefetcht2',
    'nop',
    'nop',
    'prefetchit1',
    'prefetchit0',
  ];
  for (let k = 0; k < 8; k++) {
    const hint = pf[k] !== 'nop';
    add({
      map: MAP_0F,
      op: 0x18,
      reg: k,
      mod: 'mem',
      name: pf[k],
      ops: hint ? 'Mb' : 'Ev,Gv',
      exec: sys.op_nop,
    });
    add({ map: MAP_0F, op: 0x18, reg: k, mod: 'reg', name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  }
  for (let op = 0x19; op <= 0x1e; op++) add({ map: MAP_0F, op, name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  add({ map: MAP_0F, op: 0x1f, reg: 0, name: 'nop', ops: 'Ev', exec: sys.op_nop });
  for (let k = 1; k < 8; k++)
    add({ map: MAP_0F, op: 0x1f, reg: k, name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  // F3 0F 1E: CET hints (NOPs while CET is off)
  for (let k = 0; k < 8; k++) {
    if (k === 1 || k === 7) continue;
    add({ map: MAP_0F, op: 0x1e, pfx: 0xf3, reg: k, name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  }
  add({ map: MAP_0F, op: 0x1e, pfx: 0xf3, reg: 1, mod: 'mem', name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  add({
    map: MAP_0F,
    op: 0x1e,
    pfx: 0xf3,
    reg: 1,
    mod: 'reg',
    name: (i) => (i.os === 8 ? 'rdsspq' : 'rdsspd'),
    ops: 'Ry',
    exec: sys.op_nop,
  });
  add({ map: MAP_0F, op: 0x1e, pfx: 0xf3, reg: 7, mod: 'mem', name: 'nop', ops: 'Ev,Gv', exec: sys.op_nop });
  for (let k = 0; k < 8; k++) {
    const name = k === 2 ? 'endbr64' : k === 3 ? 'endbr32' : 'nop';
    add({
      map: MAP_0F,
      op: 0x1e,
      pfx: 0xf3,
      reg: 7,
      rm: k,
      name,
      ops: name === 'nop' ? 'Ev,Gv' : '',
      exec: sys.op_nop,
    });
  }
  // MOV to/from CR0/2/3/4/8 and DR0-7 (others are undefined; no REP prefixes)
  const crOk = (modrm: number, rex: number, rep: number): boolean => {
    const r = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    return rep === 0 && (r === 0 || r === 2 || r === 3 || r === 4 || r === 8);
  };
  const drOk = (_modrm: number, rex: number, rep: number): boolean => rep === 0 && (rex & 4) === 0;
  add({
    map: MAP_0F,
    op: 0x20,
    name: 'mov',
    ops: 'Ry,Cy',
    exec: sys.op_0f20_mov_Rd_Cd,
    f: F_F64,
    check: crOk,
  });
  add({
    map: MAP_0F,
    op: 0x21,
    name: 'mov',
    ops: 'Ry,Dy',
    exec: sys.op_0f21_mov_Rd_Dd,
    f: F_F64,
    check: drOk,
  });
  add({
    map: MAP_0F,
    op: 0x22,
    name: 'mov',
    ops: 'Cy,Ry',
    exec: sys.op_0f22_mov_Cd_Rd,
    f: F_F64 | F_END,
    check: crOk,
  });
  add({
    map: MAP_0F,
    op: 0x23,
    name: 'mov',
    ops: 'Dy,Ry',
    exec: sys.op_0f23_mov_Dd_Rd,
    f: F_F64 | F_END,
    check: drOk,
  });
  m2(0x30, 'wrmsr', '', sys.op_0f30_wrmsr, F_END);
  m2(0x31, 'rdtsc', '', sys.op_0f31_rdtsc);
  m2(0x32, 'rdmsr', '', sys.op_0f32_rdmsr);
  m2(0x33, 'rdpmc', '', sys.op_0f33_rdpmc);
  m2(0xa2, 'cpuid', '', sys.op_0fa2_cpuid);
  m2(0xb9, 'ud1', 'Gv,Ev', sys.op_0f0b_ud2, F_END);
  m2(0xff, 'ud0', 'Gv,Ev', sys.op_0f0b_ud2, F_END);
  // 0F AE: FS/GS base (fxsave, fences and clflush come from src/fpu)
  const fsgs = ['rdfsbase', 'rdgsbase', 'wrfsbase', 'wrgsbase'];
  for (let k = 0; k < 4; k++)
    add({
      map: MAP_0F,
      op: 0xae,
      pfx: 0xf3,
      reg: k,
      mod: 'reg',
      name: fsgs[k],
      ops: 'Ry',
      exec: sys.op_f30fae_fsgsbase,
      f: F_ONLY64,
    });
  void F_INV64;
  return r;
}

export const systemRows: readonly OpcodeRow[] = rows();
