export declare function startRedis(options?: {
  timeoutMs?: number;
  /** Added to redis-server's command line, e.g. `['--requirepass', token]`. */
  args?: string[];
}): Promise<{ url: string; port: number; stop(): Promise<void> }>;
/** Starts redis-server for a test file, or undefined (reason printed) unless STREAMCTL_REQUIRE_REDIS=1. */
export declare function startRedisOrSkip(
  label: string,
): Promise<{ url: string; port: number; stop(): Promise<void> } | undefined>;
