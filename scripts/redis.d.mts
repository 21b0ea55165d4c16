export declare function startRedis(options?: {
  timeoutMs?: number;
}): Promise<{ url: string; port: number; stop(): Promise<void> }>;
