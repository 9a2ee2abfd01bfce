/**
 * A place held under `maxConnections` and `maxConnectionsPerIp`, given back
 * once by whoever holds it: an upgrade under way, then its connection, then
 * (when the socket drops) its seat in grace.
 */
export interface Slot {
  release(): void;
}

/**
 * The places taken under the connection limits: open sockets, upgrades
 * under way, seats in grace. Counted per address in one record per address
 * ({@link AddressPlaces}), which is also what every holder of a place keeps
 * to give it back: the record is shared by all of an address's sockets, so
 * an idle connection holds no closure of its own for it (a closure and its
 * context were about 110 bytes of every connection), and the address string
 * is kept once however many sockets come from it (a proxy's, a NAT's).
 */
export class Places {
  #total = 0;
  readonly #byAddress = new Map<string, AddressPlaces>();

  /** Places taken, every address together. */
  get total(): number {
    return this.#total;
  }

  /** Places taken by `address`. */
  heldBy(address: string): number {
    return this.#byAddress.get(address)?.held ?? 0;
  }

  /**
   * Takes a place for `address`. The record returned gives it back
   * ({@link AddressPlaces.release}) and holds the address as this server
   * keeps it: the same string for every socket from there.
   */
  take(address: string): AddressPlaces {
    let places = this.#byAddress.get(address);
    if (places === undefined) {
      places = new AddressPlaces(address, this);
      this.#byAddress.set(address, places);
    }
    places.held++;
    this.#total++;
    return places;
  }

  /** Called by a record when its last place is given back: the address is forgotten. */
  given(places: AddressPlaces): void {
    this.#total--;
    if (places.held === 0) this.#byAddress.delete(places.address);
  }
}

/**
 * The places one address holds. Shared: {@link AddressPlaces.release} gives
 * back one place, so every holder must call it once only: a connection and
 * a seat each drop their reference as they call it.
 */
export class AddressPlaces implements Slot {
  readonly address: string;
  held = 0;
  readonly #places: Places;

  constructor(address: string, places: Places) {
    this.address = address;
    this.#places = places;
  }

  release(): void {
    this.held--;
    this.#places.given(this);
  }
}
