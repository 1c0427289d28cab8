/** The two links `OpenJourneys` threads through each of its entries. */
export interface OpenJourneyLinks<T> {
  previousOpen: T | undefined;
  nextOpen: T | undefined;
}

/**
 * The API layer's open journeys: a doubly linked list threaded through the handles
 * themselves. Adding and removing cost a few pointer writes, with no hash table to grow,
 * shrink and rehash as requests come and go, and no table entry beside each handle.
 *
 * New entries go at the end, so the list runs from the oldest to the newest: the
 * watchdog's sweep starts at `oldest` and stops at the first young one.
 */
export class OpenJourneys<T extends OpenJourneyLinks<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The entry added first among those still open. */
  get oldest(): T | undefined {
    return this.head;
  }

  add(entry: T): void {
    entry.nextOpen = undefined;
    entry.previousOpen = this.tail;
    if (this.tail === undefined) this.head = entry;
    else this.tail.nextOpen = entry;
    this.tail = entry;
    this.count++;
  }

  /** Removes `entry`; an entry not in the list (already removed) is left alone. */
  delete(entry: T): void {
    const { previousOpen, nextOpen } = entry;
    if (previousOpen === undefined) {
      if (this.head !== entry) return;
      this.head = nextOpen;
    } else {
      previousOpen.nextOpen = nextOpen;
    }
    if (nextOpen === undefined) this.tail = previousOpen;
    else nextOpen.previousOpen = previousOpen;
    entry.previousOpen = undefined;
    entry.nextOpen = undefined;
    this.count--;
  }

  /** The entries open now, oldest first, as an array: safe to close them while going through it. */
  toArray(): T[] {
    const entries: T[] = [];
    for (let entry = this.head; entry !== undefined; entry = entry.nextOpen) entries.push(entry);
    return entries;
  }
}
