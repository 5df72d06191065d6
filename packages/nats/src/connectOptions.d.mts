import type { NatsConnectOptions } from './bridgeProtocol.ts';

/** The options with credentials moved out of the server URLs (`servers` always a list). */
export function withUrlCredentials<T extends NatsConnectOptions>(options: T): T & { servers: string[] };

/** nats.js connect options: URL credentials moved out, credential files read into authenticators; throws naming an unreadable file. */
export function natsConnectOptions(options: NatsConnectOptions): Omit<NatsConnectOptions, 'credsFile' | 'nkeyFile'> & { servers: string[]; authenticator?: unknown[] };
