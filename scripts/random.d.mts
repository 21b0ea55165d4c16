/** Returns a function yielding numbers in [0, 1), the same sequence for the same seed (mulberry32). */
export declare function seeded(seed: number): () => number;
