import type { NatsConnectOptions } from './bridgeProtocol.ts';

/** The options with credentials moved out of the server URLs (`servers` always a list). */
export function withUrlCredentials<T extends NatsConnectOptions>(options: T): T & { servers: string[] };
