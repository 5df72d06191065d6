/**
 * Design: how events reach actors. An address names one actor (`pv/nas`, `pvc/default/data`);
 * the bus delivers an event to whoever subscribed to that address. In-process delivery is
 * synchronous and ordered, which is what makes a run reproducible from its seed; a distributed bus
 * (NATS) implements the same port with subjects built from the same addresses. The scheduler —
 * not the bus — decides which work runs next, so a model checker replaces the scheduler's chooser,
 * never the bus.
 */

export interface BusEvent {
  type: string;
  [field: string]: unknown;
}

export interface Bus {
  /** Delivers `event` to the subscriber of `address`; false when nobody listens there. */
  publish(address: string, event: BusEvent): boolean;
  /**
   * Registers the one handler of an address; returns the unsubscribe function. The handler is
   * given the address too, so one handler can serve many addresses (the store has one per kind,
   * not a closure per object).
   */
  subscribe(address: string, handler: (event: BusEvent, address: string) => void): () => void;
  /** Removes the handler of an address (what the function `subscribe` returned does). */
  unsubscribe(address: string): void;
}

export class AddressTakenError extends Error {
  readonly code = 'AddressTaken';
  constructor(address: string) {
    super(`bus address ${address} already has a subscriber`);
    this.name = 'AddressTakenError';
  }
}

export class InProcessBus implements Bus {
  private readonly handlers = new Map<string, (event: BusEvent, address: string) => void>();
  delivered = 0;

  publish(address: string, event: BusEvent): boolean {
    const handler = this.handlers.get(address);
    if (!handler) return false;
    this.delivered++;
    handler(event, address);
    return true;
  }

  subscribe(address: string, handler: (event: BusEvent, address: string) => void): () => void {
    if (this.handlers.has(address)) throw new AddressTakenError(address);
    this.handlers.set(address, handler);
    return () => {
      if (this.handlers.get(address) === handler) this.handlers.delete(address);
    };
  }

  unsubscribe(address: string): void {
    this.handlers.delete(address);
  }
}
