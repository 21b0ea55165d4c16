export declare function freePort(): Promise<number>;
export declare function canConnect(port: number, host?: string): Promise<boolean>;
