/**
 * Physical page-frame allocator over the emulated RAM. Frames are handed out bottom-up from a
 * watermark and recycled through a free list; a recycled frame is zeroed before reuse, a never-used
 * frame is already zero (fresh ArrayBuffer memory), so every frame a caller receives reads as zeros.
 */
import { PAGE_SIZE } from './linux-abi';

/**
 * The emulated RAM as the runner sees it: x86-core's PhysicalMemory satisfies this. Writers call
 * notifyWrite so that the CPU drops decoded code of pages that get new contents.
 */
export interface Ram {
  readonly u8: Uint8Array;
  notifyWrite(addr: number, length: number): void;
}

export class PhysicalMemoryExhausted extends Error {
  override readonly name = 'PhysicalMemoryExhausted';
}

export class FrameAllocator {
  private watermark: number;
  private readonly freeList: number[] = [];
  private inUse = 0;

  /**
   * @param ram   the emulated physical memory
   * @param start first physical address the allocator may use (page-aligned); frames below it are left
   *              to whoever owns them (frame 0 is never handed out, so a physical 0 always means "none")
   */
  constructor(
    private readonly ram: Ram,
    start = PAGE_SIZE,
  ) {
    if (start % PAGE_SIZE !== 0 || start === 0)
      throw new RangeError(`allocator start ${start} is not a page`);
    this.watermark = start;
  }

  /** Physical address of a zeroed 4 KiB frame. */
  allocate(): number {
    this.inUse++;
    const recycled = this.freeList.pop();
    if (recycled !== undefined) {
      this.ram.u8.fill(0, recycled, recycled + PAGE_SIZE);
      this.ram.notifyWrite(recycled, PAGE_SIZE);
      return recycled;
    }
    if (this.watermark + PAGE_SIZE > this.ram.u8.length) {
      this.inUse--;
      throw new PhysicalMemoryExhausted(
        `out of emulated physical memory (${this.ram.u8.length / (1024 * 1024)} MiB, all frames in use)`,
      );
    }
    const frame = this.watermark;
    this.watermark += PAGE_SIZE;
    return frame;
  }

  release(frame: number): void {
    this.inUse--;
    this.freeList.push(frame);
  }

  /** Frames currently allocated. */
  get framesInUse(): number {
    return this.inUse;
  }

  /** Frames that can still be allocated. */
  get framesFree(): number {
    return this.freeList.length + Math.floor((this.ram.u8.length - this.watermark) / PAGE_SIZE);
  }
}
