import { readFile } from 'node:fs/promises';
import { ErrorCode, StreamctlError, ValidationError } from '../errors/index.js';
import { parseInput } from '../util/index.js';
import { BUILT_IN_LADDERS } from './builtins.js';
import { type Ladder, LadderSchema } from './schema.js';

/**
 * A ladder by name, or from a JSON file when the name ends in `.json`.
 * Every bad field of a file is named in one error.
 *
 * @example
 * ```ts
 * const ladder = await loadLadder('premium-4k');
 * const custom = await loadLadder('./ladders/anime.json');
 * ```
 */
export async function loadLadder(nameOrFile: string): Promise<Ladder> {
  if (nameOrFile.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(nameOrFile, 'utf8'));
    } catch (cause) {
      throw new ValidationError(`Cannot read ladder file ${nameOrFile}: ${(cause as Error).message}`, [], { cause });
    }
    return parseInput(LadderSchema, raw, `ladder file ${nameOrFile}`);
  }
  const builtIn = BUILT_IN_LADDERS[nameOrFile];
  if (!builtIn) {
    throw new StreamctlError(ErrorCode.NotFound, `No ladder named "${nameOrFile}"`, {
      hint: `use one of ${Object.keys(BUILT_IN_LADDERS).join(', ')}, or a .json ladder file`,
    });
  }
  return LadderSchema.parse(builtIn);
}
