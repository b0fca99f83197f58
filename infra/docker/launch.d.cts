/** Types of launch.cjs, the service image's entrypoint (for the tests and anything else that imports it). */
export declare const APPS: Record<'auth' | 'rooms' | 'messaging-gateway' | 'files', number>;
export declare const DEFAULT_KEEP_ALIVE_MS: number;
export declare function containerEnv(app: string, env: Record<string, string | undefined>, hostname: string): Record<string, string | undefined>;
export declare function keepAliveMs(env: Record<string, string | undefined>): number;
export declare function applyKeepAlive(ms: number): void;
