import type { PhysicalMemory } from '@xeno/x86-core/memory/physical-memory';
import type { GuestPhysicalMemory } from './guest-physical-memory';

/**
 * The one place xen-core meets x86-core's memory: GuestPhysicalMemory over
 * x86-core's PhysicalMemory. Every write goes through PhysicalMemory's own
 * helpers, so CPUs caching decoded code from a page the hypervisor writes
 * (loader, hypercall page, ptwr, CLEAR/COPY_PAGE) are told to drop it.
 */
export class X86CoreMemory implements GuestPhysicalMemory {
  readonly size: number;

  constructor(readonly phys: PhysicalMemory) {
    this.size = phys.size;
  }

  readU8(addr: number): number {
    return this.phys.readU8(addr);
  }
  readU16(addr: number): number {
    return this.phys.readU16(addr);
  }
  readU32(addr: number): number {
    return this.phys.readU32(addr);
  }
  readU64(addr: number): bigint {
    return this.phys.readU64(addr);
  }
  writeU8(addr: number, value: number): void {
    this.phys.writeU8(addr, value);
  }
  writeU16(addr: number, value: number): void {
    this.phys.writeU16(addr, value);
  }
  writeU32(addr: number, value: number): void {
    this.phys.writeU32(addr, value);
  }
  writeU64(addr: number, value: bigint): void {
    this.phys.writeU64(addr, value);
  }
  readBytes(addr: number, length: number): Uint8Array {
    return this.phys.read(addr, length);
  }
  writeBytes(addr: number, data: Uint8Array): void {
    this.phys.write(addr, data);
  }
  fill(addr: number, length: number, byte: number): void {
    this.phys.fill(addr, length, byte);
  }
  copy(dst: number, src: number, length: number): void {
    this.phys.copy(dst, src, length);
  }
}
