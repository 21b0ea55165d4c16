export declare const SIMULATOR_VERSION: string;
export declare const ENGINES_CACHE: string;
export declare function fetchDynamoDBLocal(): Promise<string>;
export declare function startDynamoDBLocal(options?: {
  timeoutMs?: number;
}): Promise<{ url: string; stop(): Promise<void> }>;
