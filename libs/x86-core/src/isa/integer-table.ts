/**
 * Opcode rows for the general-purpose integer instructions (hand-written, not generated).
 * See decoder/opcode-row.ts for the row format.
 */
import type { Insn } from '../decoder/insn';
import {
  F_B8,
  F_D64,
  F_END,
  F_F64,
  F_INV64,
  F_LOCK,
  F_ONLY64,
  F_REP_OK,
  F_STACK,
  F_STRICT_PFX,
  MAP_0F,
  MAP_0F38,
  MAP_1,
  type OpcodeRow,
} from '../decoder/opcode-row';
import * as alu from './alu-ops';
import { ALU_NAMES } from './alu';
import * as bit from './bit-ops';
import { fastFor } from './fast-ops';
import * as leg from './legacy-ops';
import * as br from './branch-ops';
import * as md from './muldiv-ops';
import * as mov from './mov-ops';
import * as sh from './shift-ops';
import * as st from './stack-ops';
import * as str from './string-ops';

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

const bySize =
  (w: string, d: string, q: string) =>
  (i: Insn): string =>
    i.os === 2 ? w : i.os === 4 ? d : q;
const strName =
  (base: string) =>
  (i: Insn): string =>
    base + (i.os === 1 ? 'b' : i.os === 2 ? 'w' : i.os === 4 ? 'd' : 'q');

function rows(): OpcodeRow[] {
  const r: OpcodeRow[] = [];
  const add = (row: OpcodeRow): void => {
    row.fast ??= fastFor;
    r.push(row);
  };
  const m1 = (op: number, name: OpcodeRow['name'], ops: string, exec: OpcodeRow['exec'], f = 0): void =>
    add({ map: MAP_1, op, name, ops, exec, f });
  const m2 = (op: number, name: OpcodeRow['name'], ops: string, exec: OpcodeRow['exec'], f = 0): void =>
    add({ map: MAP_0F, op, name, ops, exec, f });

  // ---- ALU 00-3F ----
  for (let k = 0; k < 8; k++) {
    const b = k << 3;
    const n = ALU_NAMES[k];
    const lock = k === 7 ? 0 : F_LOCK;
    m1(b + 0, n, 'Eb,Gb', alu.op_00_alu_Eb_Gb, lock);
    m1(b + 1, n, 'Ev,Gv', alu.op_01_alu_Ev_Gv, lock);
    m1(b + 2, n, 'Gb,Eb', alu.op_02_alu_Gb_Eb);
    m1(b + 3, n, 'Gv,Ev', alu.op_03_alu_Gv_Ev);
    m1(b + 4, n, 'AL,Ib', alu.op_04_alu_AL_Ib);
    m1(b + 5, n, 'rAX,Iz', alu.op_05_alu_rAX_Iz);
    add({ map: MAP_1, op: 0x80, reg: k, name: n, ops: 'Eb,Ib', exec: alu.op_80_grp1_Eb_Ib, f: lock });
    add({ map: MAP_1, op: 0x81, reg: k, name: n, ops: 'Ev,Iz', exec: alu.op_81_grp1_Ev_Iz, f: lock });
    add({
      map: MAP_1,
      op: 0x82,
      reg: k,
      name: n,
      ops: 'Eb,Ib',
      exec: alu.op_80_grp1_Eb_Ib,
      f: lock | F_INV64,
    });
    add({ map: MAP_1, op: 0x83, reg: k, name: n, ops: 'Ev,Ibs', exec: alu.op_81_grp1_Ev_Iz, f: lock });
  }
  // segment push/pop (32-bit modes only)
  m1(0x06, 'push', 'ES', st.op_0fa0_push_Sw, F_INV64 | F_STACK);
  m1(0x07, 'pop', 'ES', st.op_0fa1_pop_Sw, F_INV64 | F_STACK);
  m1(0x0e, 'push', 'CS', st.op_0fa0_push_Sw, F_INV64 | F_STACK);
  m1(0x16, 'push', 'SS', st.op_0fa0_push_Sw, F_INV64 | F_STACK);
  m1(0x17, 'pop', 'SS', st.op_0fa1_pop_Sw, F_INV64 | F_STACK | F_END);
  m1(0x1e, 'push', 'DS', st.op_0fa0_push_Sw, F_INV64 | F_STACK);
  m1(0x1f, 'pop', 'DS', st.op_0fa1_pop_Sw, F_INV64 | F_STACK);
  // inc/dec (32-bit modes; REX in 64-bit mode)
  for (let k = 0; k < 8; k++) {
    m1(0x40 + k, 'inc', 'Zv', alu.op_40_incdec_Zv, F_INV64);
    m1(0x48 + k, 'dec', 'Zv', alu.op_40_incdec_Zv, F_INV64);
    m1(0x50 + k, 'push', 'Zv', st.op_50_push_Zv, F_D64 | F_STACK);
    m1(0x58 + k, 'pop', 'Zv', st.op_58_pop_Zv, F_D64 | F_STACK);
    m1(0x90 + k, xchgName, 'Zv,rAX', mov.op_90_xchg_Zv_rAX);
    m1(0xb0 + k, 'mov', 'Zb,Ib', mov.op_b0_mov_Zb_Ib, F_B8);
    m1(0xb8 + k, 'mov', 'Zv,Iv', mov.op_b8_mov_Zv_Iv);
    m2(0xc8 + k, 'bswap', 'Zv', mov.op_0fc8_bswap_Zv);
  }
  m1(0x63, 'movsxd', 'Gv,Ez', mov.op_63_movsxd_Gv_Ed, F_ONLY64);
  m1(0x68, 'push', 'Iz', st.op_68_push_Iz, F_D64 | F_STACK);
  m1(0x69, 'imul', 'Gv,Ev,Iz', md.op_69_imul_Gv_Ev_Iz);
  m1(0x6a, 'push', 'Ibs', st.op_68_push_Iz, F_D64 | F_STACK);
  m1(0x6b, 'imul', 'Gv,Ev,Ibs', md.op_69_imul_Gv_Ev_Iz);
  m1(0x6c, 'insb', 'Yb,DX', str.op_6d_ins, F_B8 | F_REP_OK);
  m1(0x6d, bySize('insw', 'insd', 'insd'), 'Yz,DX', str.op_6d_ins, F_REP_OK);
  m1(0x6e, 'outsb', 'DX,Xb', str.op_6f_outs, F_B8 | F_REP_OK);
  m1(0x6f, bySize('outsw', 'outsd', 'outsd'), 'DX,Xz', str.op_6f_outs, F_REP_OK);
  for (let k = 0; k < 16; k++) {
    m1(0x70 + k, 'j' + CC[k], 'Jb', br.op_70_jcc_Jb, F_F64 | F_END);
    m2(0x80 + k, 'j' + CC[k], 'Jz', br.op_70_jcc_Jb, F_F64 | F_END);
    m2(0x40 + k, 'cmov' + CC[k], 'Gv,Ev', mov.op_0f40_cmovcc_Gv_Ev);
    m2(0x90 + k, 'set' + CC[k], 'Eb', mov.op_0f90_setcc_Eb);
  }
  m1(0x84, 'test', 'Eb,Gb', alu.op_84_test_Eb_Gb);
  m1(0x85, 'test', 'Ev,Gv', alu.op_85_test_Ev_Gv);
  m1(0x86, 'xchg', 'Eb,Gb', mov.op_87_xchg_Ev_Gv, F_LOCK);
  m1(0x87, 'xchg', 'Ev,Gv', mov.op_87_xchg_Ev_Gv, F_LOCK);
  m1(0x88, 'mov', 'Eb,Gb', mov.op_88_mov_Eb_Gb);
  m1(0x89, 'mov', 'Ev,Gv', mov.op_89_mov_Ev_Gv);
  m1(0x8a, 'mov', 'Gb,Eb', mov.op_8a_mov_Gb_Eb);
  m1(0x8b, 'mov', 'Gv,Ev', mov.op_8b_mov_Gv_Ev);
  for (let k = 0; k < 6; k++) {
    add({ map: MAP_1, op: 0x8c, reg: k, mod: 'mem', name: 'mov', ops: 'Mw,Sw', exec: mov.op_8c_mov_Ev_Sw });
    add({ map: MAP_1, op: 0x8c, reg: k, mod: 'reg', name: 'mov', ops: 'Rv,Sw', exec: mov.op_8c_mov_Ev_Sw });
    if (k !== 1) add({ map: MAP_1, op: 0x8e, reg: k, name: 'mov', ops: 'Sw,Ew', exec: mov.op_8e_mov_Sw_Ew });
  }
  m1(0x8d, 'lea', 'Gv,M', mov.op_8d_lea_Gv_M);
  add({ map: MAP_1, op: 0x8f, reg: 0, name: 'pop', ops: 'Ev', exec: st.op_8f_pop_Ev, f: F_D64 | F_STACK });
  m1(0x98, bySize('cbw', 'cwde', 'cdqe'), '', mov.op_98_cbw);
  m1(0x99, bySize('cwd', 'cdq', 'cqo'), '', mov.op_99_cwd);
  m1(0x9a, 'call', 'Ap', br.op_ff_callf_Mp, F_INV64 | F_END | F_STACK);
  m1(0x9c, bySize('pushf', 'pushfd', 'pushfq'), '', st.op_9c_pushf, F_D64 | F_STACK);
  m1(0x9d, bySize('popf', 'popfd', 'popfq'), '', st.op_9d_popf, F_D64 | F_STACK | F_END);
  m1(0x9e, 'sahf', '', mov.op_9e_sahf);
  m1(0x9f, 'lahf', '', mov.op_9f_lahf);
  m1(0xa0, 'mov', 'AL,Ob', mov.op_a0_mov_AL_Ob);
  m1(0xa1, 'mov', 'rAX,Ov', mov.op_a1_mov_rAX_Ov);
  m1(0xa2, 'mov', 'Ob,AL', mov.op_a2_mov_Ob_AL, F_B8);
  m1(0xa3, 'mov', 'Ov,rAX', mov.op_a3_mov_Ov_rAX);
  m1(0xa4, 'movsb', 'Yb,Xb', str.op_a5_movs, F_REP_OK);
  m1(0xa5, strName('movs'), 'Yv,Xv', str.op_a5_movs, F_REP_OK);
  m1(0xa6, 'cmpsb', 'Xb,Yb', str.op_a7_cmps, F_REP_OK);
  m1(0xa7, strName('cmps'), 'Xv,Yv', str.op_a7_cmps, F_REP_OK);
  m1(0xa8, 'test', 'AL,Ib', alu.op_a8_test_AL_Ib);
  m1(0xa9, 'test', 'rAX,Iz', alu.op_a9_test_rAX_Iz);
  m1(0xaa, 'stosb', 'Yb,AL', str.op_ab_stos, F_REP_OK);
  m1(0xab, strName('stos'), 'Yv,rAX', str.op_ab_stos, F_REP_OK);
  m1(0xac, 'lodsb', 'AL,Xb', str.op_ad_lods, F_REP_OK);
  m1(0xad, strName('lods'), 'rAX,Xv', str.op_ad_lods, F_REP_OK);
  m1(0xae, 'scasb', 'AL,Yb', str.op_af_scas, F_REP_OK);
  m1(0xaf, strName('scas'), 'rAX,Yv', str.op_af_scas, F_REP_OK);
  for (let k = 0; k < 8; k++) {
    if (k === 6) continue; // /6 (SAL alias) decodes like SHL on real CPUs; listed below with its own name
    add({ map: MAP_1, op: 0xc0, reg: k, name: SHIFT_NAMES[k], ops: 'Eb,Ib', exec: sh.op_c1_grp2_Ev_Ib });
    add({ map: MAP_1, op: 0xc1, reg: k, name: SHIFT_NAMES[k], ops: 'Ev,Ib', exec: sh.op_c1_grp2_Ev_Ib });
    add({ map: MAP_1, op: 0xd0, reg: k, name: SHIFT_NAMES[k], ops: 'Eb,1', exec: sh.op_d1_grp2_Ev_1 });
    add({ map: MAP_1, op: 0xd1, reg: k, name: SHIFT_NAMES[k], ops: 'Ev,1', exec: sh.op_d1_grp2_Ev_1 });
    add({ map: MAP_1, op: 0xd2, reg: k, name: SHIFT_NAMES[k], ops: 'Eb,CL', exec: sh.op_d3_grp2_Ev_CL });
    add({ map: MAP_1, op: 0xd3, reg: k, name: SHIFT_NAMES[k], ops: 'Ev,CL', exec: sh.op_d3_grp2_Ev_CL });
  }
  add({ map: MAP_1, op: 0xc0, reg: 6, name: 'sal', ops: 'Eb,Ib', exec: sh.op_c1_grp2_Ev_Ib });
  add({ map: MAP_1, op: 0xc1, reg: 6, name: 'sal', ops: 'Ev,Ib', exec: sh.op_c1_grp2_Ev_Ib });
  add({ map: MAP_1, op: 0xd0, reg: 6, name: 'sal', ops: 'Eb,1', exec: sh.op_d1_grp2_Ev_1 });
  add({ map: MAP_1, op: 0xd1, reg: 6, name: 'sal', ops: 'Ev,1', exec: sh.op_d1_grp2_Ev_1 });
  add({ map: MAP_1, op: 0xd2, reg: 6, name: 'sal', ops: 'Eb,CL', exec: sh.op_d3_grp2_Ev_CL });
  add({ map: MAP_1, op: 0xd3, reg: 6, name: 'sal', ops: 'Ev,CL', exec: sh.op_d3_grp2_Ev_CL });
  m1(0xc2, 'ret', 'Iw', br.op_c3_ret, F_F64 | F_END | F_STACK);
  m1(0xc3, 'ret', '', br.op_c3_ret, F_F64 | F_END | F_STACK);
  add({ map: MAP_1, op: 0xc6, reg: 0, name: 'mov', ops: 'Eb,Ib', exec: mov.op_c6_mov_Eb_Ib });
  add({ map: MAP_1, op: 0xc7, reg: 0, name: 'mov', ops: 'Ev,Iz', exec: mov.op_c7_mov_Ev_Iz });
  m1(0xc8, 'enter', 'Iw,Ib', st.op_c8_enter_Iw_Ib, F_D64 | F_STACK);
  m1(0xc9, 'leave', '', st.op_c9_leave, F_D64 | F_STACK);
  m1(0xca, 'retf', 'Iw', br.op_cb_retf, F_END | F_STACK);
  m1(0xcb, 'retf', '', br.op_cb_retf, F_END | F_STACK);
  m1(0xd7, 'xlatb', 'Xb', mov.op_d7_xlat);
  m1(0xe0, 'loopne', 'Jb', br.op_e2_loop_Jb, F_F64 | F_END);
  m1(0xe1, 'loope', 'Jb', br.op_e2_loop_Jb, F_F64 | F_END);
  m1(0xe2, 'loop', 'Jb', br.op_e2_loop_Jb, F_F64 | F_END);
  m1(
    0xe3,
    (i) => (i.as === 8 ? 'jrcxz' : i.as === 4 ? 'jecxz' : 'jcxz'),
    'Jb',
    br.op_e3_jrcxz_Jb,
    F_F64 | F_END,
  );
  m1(0xe8, 'call', 'Jz', br.op_e8_call_Jz, F_F64 | F_END | F_STACK);
  m1(0xe9, 'jmp', 'Jz', br.op_e9_jmp_Jz, F_F64 | F_END);
  m1(0xea, 'jmp', 'Ap', br.op_ff_jmpf_Mp, F_INV64 | F_END);
  m1(0xeb, 'jmp', 'Jb', br.op_e9_jmp_Jz, F_F64 | F_END);
  const grp3 = (op: number, k: number, name: string, ops: string, exec: OpcodeRow['exec'], f = 0): void =>
    add({ map: MAP_1, op, reg: k, name, ops, exec, f });
  for (const [op, e, iz] of [
    [0xf6, 'Eb', 'Ib'],
    [0xf7, 'Ev', 'Iz'],
  ] as const) {
    grp3(op, 0, 'test', `${e},${iz}`, op === 0xf6 ? alu.op_f6_test_Eb_Ib : alu.op_f7_test_Ev_Iz);
    grp3(op, 1, 'test', `${e},${iz}`, op === 0xf6 ? alu.op_f6_test_Eb_Ib : alu.op_f7_test_Ev_Iz);
    grp3(op, 2, 'not', e, alu.op_f7_not_Ev, F_LOCK);
    grp3(op, 3, 'neg', e, alu.op_f7_neg_Ev, F_LOCK);
    grp3(op, 4, 'mul', e, md.op_f7_mul_Ev);
    grp3(op, 5, 'imul', e, md.op_f7_mul_Ev);
    grp3(op, 6, 'div', e, md.op_f7_div_Ev);
    grp3(op, 7, 'idiv', e, md.op_f7_div_Ev);
  }
  add({ map: MAP_1, op: 0xfe, reg: 0, name: 'inc', ops: 'Eb', exec: alu.op_ff_inc_Ev, f: F_LOCK });
  add({ map: MAP_1, op: 0xfe, reg: 1, name: 'dec', ops: 'Eb', exec: alu.op_ff_dec_Ev, f: F_LOCK });
  add({ map: MAP_1, op: 0xff, reg: 0, name: 'inc', ops: 'Ev', exec: alu.op_ff_inc_Ev, f: F_LOCK });
  add({ map: MAP_1, op: 0xff, reg: 1, name: 'dec', ops: 'Ev', exec: alu.op_ff_dec_Ev, f: F_LOCK });
  add({
    map: MAP_1,
    op: 0xff,
    reg: 2,
    name: 'call',
    ops: 'Ev',
    exec: br.op_ff_call_Ev,
    f: F_F64 | F_END | F_STACK,
  });
  add({ map: MAP_1, op: 0xff, reg: 3, name: 'call', ops: 'Mp', exec: br.op_ff_callf_Mp, f: F_END | F_STACK });
  add({ map: MAP_1, op: 0xff, reg: 4, name: 'jmp', ops: 'Ev', exec: br.op_ff_jmp_Ev, f: F_F64 | F_END });
  add({ map: MAP_1, op: 0xff, reg: 5, name: 'jmp', ops: 'Mp', exec: br.op_ff_jmpf_Mp, f: F_END });
  add({ map: MAP_1, op: 0xff, reg: 6, name: 'push', ops: 'Ev', exec: st.op_ff_push_Ev, f: F_D64 | F_STACK });

  // ---- 0F map ----
  m2(0xa0, 'push', 'FS', st.op_0fa0_push_Sw, F_D64 | F_STACK);
  m2(0xa1, 'pop', 'FS', st.op_0fa1_pop_Sw, F_D64 | F_STACK);
  m2(0xa8, 'push', 'GS', st.op_0fa0_push_Sw, F_D64 | F_STACK);
  m2(0xa9, 'pop', 'GS', st.op_0fa1_pop_Sw, F_D64 | F_STACK);
  m2(0xa3, 'bt', 'Ev,Gv', bit.op_0fa3_bt_Ev_Gv);
  m2(0xab, 'bts', 'Ev,Gv', bit.op_0fa3_bt_Ev_Gv, F_LOCK);
  m2(0xb3, 'btr', 'Ev,Gv', bit.op_0fa3_bt_Ev_Gv, F_LOCK);
  m2(0xbb, 'btc', 'Ev,Gv', bit.op_0fa3_bt_Ev_Gv, F_LOCK);
  add({ map: MAP_0F, op: 0xba, reg: 4, name: 'bt', ops: 'Ev,Ib', exec: bit.op_0fba_bt_Ev_Ib });
  add({ map: MAP_0F, op: 0xba, reg: 5, name: 'bts', ops: 'Ev,Ib', exec: bit.op_0fba_bt_Ev_Ib, f: F_LOCK });
  add({ map: MAP_0F, op: 0xba, reg: 6, name: 'btr', ops: 'Ev,Ib', exec: bit.op_0fba_bt_Ev_Ib, f: F_LOCK });
  add({ map: MAP_0F, op: 0xba, reg: 7, name: 'btc', ops: 'Ev,Ib', exec: bit.op_0fba_bt_Ev_Ib, f: F_LOCK });
  m2(0xa4, 'shld', 'Ev,Gv,Ib', sh.op_0fa4_shld_Ev_Gv_Ib);
  m2(0xa5, 'shld', 'Ev,Gv,CL', sh.op_0fa5_shld_Ev_Gv_CL);
  m2(0xac, 'shrd', 'Ev,Gv,Ib', sh.op_0fac_shrd_Ev_Gv_Ib);
  m2(0xad, 'shrd', 'Ev,Gv,CL', sh.op_0fad_shrd_Ev_Gv_CL);
  m2(0xaf, 'imul', 'Gv,Ev', md.op_0faf_imul_Gv_Ev);
  m2(0xb0, 'cmpxchg', 'Eb,Gb', mov.op_0fb1_cmpxchg_Ev_Gv, F_LOCK);
  m2(0xb1, 'cmpxchg', 'Ev,Gv', mov.op_0fb1_cmpxchg_Ev_Gv, F_LOCK);
  m2(0xb6, 'movzx', 'Gv,Eb', mov.op_0fb6_movzx_Gv_Eb);
  m2(0xb7, 'movzx', 'Gv,Ew', mov.op_0fb7_movzx_Gv_Ew);
  m2(0xbe, 'movsx', 'Gv,Eb', mov.op_0fbe_movsx_Gv_Eb);
  m2(0xbf, 'movsx', 'Gv,Ew', mov.op_0fbf_movsx_Gv_Ew);
  add({ map: MAP_0F, op: 0xb8, pfx: 0xf3, name: 'popcnt', ops: 'Gv,Ev', exec: bit.op_f30fb8_popcnt_Gv_Ev });
  m2(0xbc, 'bsf', 'Gv,Ev', bit.op_0fbc_bsf_Gv_Ev);
  add({ map: MAP_0F, op: 0xbc, pfx: 0xf3, name: 'tzcnt', ops: 'Gv,Ev', exec: bit.op_f30fbc_tzcnt_Gv_Ev });
  m2(0xbd, 'bsr', 'Gv,Ev', bit.op_0fbd_bsr_Gv_Ev);
  add({ map: MAP_0F, op: 0xbd, pfx: 0xf3, name: 'lzcnt', ops: 'Gv,Ev', exec: bit.op_f30fbd_lzcnt_Gv_Ev });
  m2(0xc0, 'xadd', 'Eb,Gb', mov.op_0fc1_xadd_Ev_Gv, F_LOCK);
  m2(0xc1, 'xadd', 'Ev,Gv', mov.op_0fc1_xadd_Ev_Gv, F_LOCK);
  add({
    map: MAP_0F,
    op: 0xc7,
    reg: 1,
    mod: 'mem',
    name: (i) => (i.os === 8 ? 'cmpxchg16b' : 'cmpxchg8b'),
    ops: 'Mqo',
    exec: mov.op_0fc7_cmpxchg8b_M,
    f: F_LOCK,
  });
  // ---- compatibility-mode-only legacy instructions ----
  m1(0x27, 'daa', '', leg.op_27_daa, F_INV64);
  m1(0x2f, 'das', '', leg.op_2f_das, F_INV64);
  m1(0x37, 'aaa', '', leg.op_37_aaa, F_INV64);
  m1(0x3f, 'aas', '', leg.op_37_aaa, F_INV64);
  m1(0x60, bySize('pusha', 'pushad', 'pushad'), '', leg.op_60_pusha, F_INV64 | F_STACK);
  m1(0x61, bySize('popa', 'popad', 'popad'), '', leg.op_61_popa, F_INV64 | F_STACK);
  add({ map: MAP_1, op: 0x62, mod: 'mem', name: 'bound', ops: 'Gv,Ma', exec: leg.op_62_bound, f: F_INV64 });
  add({ map: MAP_1, op: 0x63, mod: 'mem', name: 'arpl', ops: 'Mw,Gz', exec: leg.op_63_arpl, f: F_INV64 });
  add({ map: MAP_1, op: 0x63, mod: 'reg', name: 'arpl', ops: 'Rz,Gz', exec: leg.op_63_arpl, f: F_INV64 });
  add({
    map: MAP_1,
    op: 0xc4,
    mod: 'mem',
    name: 'les',
    ops: 'Gz,Mp',
    exec: leg.op_0fb2_lss_Gv_Mp,
    f: F_INV64,
  });
  add({
    map: MAP_1,
    op: 0xc5,
    mod: 'mem',
    name: 'lds',
    ops: 'Gz,Mp',
    exec: leg.op_0fb2_lss_Gv_Mp,
    f: F_INV64,
  });
  m1(0xd4, 'aam', 'Ib', leg.op_d4_aam, F_INV64);
  m1(0xd5, 'aad', 'Ib', leg.op_d5_aad, F_INV64);
  m1(0xd6, 'salc', '', leg.op_d6_salc, F_INV64);
  add({
    map: MAP_0F,
    op: 0xb2,
    mod: 'mem',
    name: 'lss',
    ops: 'Gv,Mp',
    exec: leg.op_0fb2_lss_Gv_Mp,
    f: F_END,
  });
  add({ map: MAP_0F, op: 0xb4, mod: 'mem', name: 'lfs', ops: 'Gv,Mp', exec: leg.op_0fb2_lss_Gv_Mp });
  add({ map: MAP_0F, op: 0xb5, mod: 'mem', name: 'lgs', ops: 'Gv,Mp', exec: leg.op_0fb2_lss_Gv_Mp });
  // 0F 38 F0/F1: MOVBE (no prefix or 66 = 16-bit), CRC32 with F2; F3 is undefined
  for (const pfx of [undefined, 0x66] as const) {
    const f = F_STRICT_PFX;
    add({ map: MAP_0F38, op: 0xf0, pfx, name: 'movbe', ops: 'Gv,Mv', exec: leg.op_0f38f0_movbe_Gv_Mv, f });
    add({ map: MAP_0F38, op: 0xf1, pfx, name: 'movbe', ops: 'Mv,Gv', exec: leg.op_0f38f1_movbe_Mv_Gv, f });
  }
  add({
    map: MAP_0F38,
    op: 0xf0,
    pfx: 0xf2,
    name: 'crc32',
    ops: 'Gy,Eb',
    exec: leg.op_f20f38f0_crc32,
    f: F_STRICT_PFX,
  });
  add({
    map: MAP_0F38,
    op: 0xf1,
    pfx: 0xf2,
    name: 'crc32',
    ops: 'Gy,Ev',
    exec: leg.op_f20f38f0_crc32,
    f: F_STRICT_PFX,
  });
  return r;
}

function xchgName(i: Insn): string {
  if (i.rep === 0xf3 && i.op === 0x90) return 'pause';
  return i.rm === 0 ? 'nop' : 'xchg';
}

export const integerRows: readonly OpcodeRow[] = rows();
