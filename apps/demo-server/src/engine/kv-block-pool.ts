/** Anything that holds KV cache blocks: a running request. */
export interface KvBlockHolder {
  /** Blocks held; only the pool changes it. */
  kvBlocks: number;
}

/**
 * A simulated paged KV cache: a fixed number of blocks of `blockSize` token slots. A
 * request holds enough blocks for the tokens it has computed; blocks are counted, not
 * addressed, because nothing is stored in them.
 */
export class KvBlockPool {
  private used = 0;

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {}

  get usedBlocks(): number {
    return this.used;
  }

  get freeBlocks(): number {
    return this.numBlocks - this.used;
  }

  /** Token slots in the whole cache: the longest sequence that can ever be computed. */
  get capacityTokens(): number {
    return this.numBlocks * this.blockSize;
  }

  /** Blocks needed to hold `tokens` token slots. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /**
   * Grows the holder to room for `tokens` slots. Returns false, changing nothing, when
   * there are not enough free blocks.
   */
  tryReserve(holder: KvBlockHolder, tokens: number): boolean {
    const missing = this.blocksFor(tokens) - holder.kvBlocks;
    if (missing <= 0) return true;
    if (missing > this.freeBlocks) return false;
    holder.kvBlocks += missing;
    this.used += missing;
    return true;
  }

  /** Returns every block of the holder to the pool. Idempotent. */
  release(holder: KvBlockHolder): void {
    this.used -= holder.kvBlocks;
    holder.kvBlocks = 0;
  }
}
