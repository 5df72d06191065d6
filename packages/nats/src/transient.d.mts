export const RETRIES_MAX: number;
/** A failure a reconnect explains (timeout, no responders, connection closed). */
export function isTransient(error: unknown): boolean;
export function pause(ms: number): Promise<void>;
/** Runs an idempotent call again while it fails for a reason a reconnect explains. */
export function retrying<T>(fn: () => Promise<T>): Promise<T>;
