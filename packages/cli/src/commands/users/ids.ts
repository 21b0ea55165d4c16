/**
 * The ids operator commands take (a user, a title, a device, a session),
 * checked with the API's own rules before any platform is reached, so a
 * typo is a usage error (exit 2) naming the flag, not a failed call.
 */
import type { OptionDefinition } from '../../context.js';
import { UsageError } from '../../errors.js';

/**
 * `--user <id>`: whose sessions, devices or lists (checked in the handler by {@link idFlag}).
 *
 * @example
 * ```ts
 * defineCommand({ name: 'devices list', options: [USER_OPTION], … });
 * ```
 */
export const USER_OPTION: OptionDefinition = { flags: '--user <id>', description: 'the account (user id), required' };

/**
 * A user, title or device id as the API accepts it; a usage error naming `name` (a flag such as
 * `--user`, or an argument such as `titleId`) otherwise, or when it is missing.
 *
 * @example
 * ```ts
 * const userId = await idFlag('--user', options.user); // "alice"
 * ```
 */
export async function idFlag(name: string, value: string | undefined): Promise<string> {
  if (value === undefined || value === '')
    throw new UsageError(`${name} is required`, name.startsWith('--') ? `pass ${name} <id>` : `pass the ${name}`);
  const { IdSchema } = await import('@streamctl/sdk/contract');
  if (!IdSchema.safeParse(value).success)
    throw new UsageError(`invalid ${name} "${value}"`, 'use 1–128 letters, digits and . _ : - only');
  return value;
}

/**
 * A session id as a playback grant returned it; a usage error otherwise.
 *
 * @example
 * ```ts
 * const sessionId = await sessionIdArgument(args[0]);
 * ```
 */
export async function sessionIdArgument(value: string): Promise<string> {
  const { SessionIdSchema } = await import('@streamctl/sdk/contract');
  if (!SessionIdSchema.safeParse(value).success)
    throw new UsageError(
      `invalid sessionId "${value}": not a session id`,
      'copy it from `streamctl sessions list --user <id>` or the playback grant',
    );
  return value;
}

/**
 * A time as operators read it: UTC, to the second.
 *
 * @example
 * ```ts
 * when('2026-12-03T01:45:07.123Z'); // "2026-12-03 01:45:07Z"
 * ```
 */
export const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
