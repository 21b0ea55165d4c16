/**
 * The HTTP API's contract (SPEC §7): the zod schemas of every request and
 * answer, ids and countries. Defined in `@streamctl/client/contract`, which
 * depends on zod only, and re-exported here so `@streamctl/sdk/contract`
 * keeps working.
 *
 * @example
 * ```ts
 * import { IdSchema } from '@streamctl/sdk/contract';
 *
 * IdSchema.parse('t1');
 * ```
 *
 * @module
 */
export * from '@streamctl/client/contract';
