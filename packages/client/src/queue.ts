/**
 * A first-in first-out queue of at most `capacity` items: pushing onto a full
 * queue drops the oldest item and returns it, so memory stays bounded however
 * long the queue is not drained.
 */
export class BoundedQueue<T> {
  readonly #items: T[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a whole number from 1, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Appends `item`; returns the item dropped to make room, if one was. */
  push(item: T): T | undefined {
    this.#items.push(item);
    return this.#items.length > this.#capacity ? this.#items.shift() : undefined;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    return this.#items.splice(0);
  }

  /** Forgets every item. */
  clear(): void {
    this.#items.length = 0;
  }
}
