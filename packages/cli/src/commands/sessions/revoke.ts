import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { idFlag, sessionIdArgument, when } from '../users/ids.js';

interface RevokeOptions {
  user?: string;
  all?: boolean;
}

const FORMS = 'use `streamctl sessions revoke <sessionId>` or `streamctl sessions revoke --user <id> --all`';

/** `streamctl sessions revoke <sessionId>` or `streamctl sessions revoke --user U --all`. */
export const sessionsRevoke = defineCommand<RevokeOptions>({
  name: 'sessions revoke',
  description: "end a playback session by id, or every session of an account (its player's next heartbeat is refused)",
  arguments: [{ name: 'sessionId', description: 'the session to end (its id names its account)', required: false }],
  options: [
    { flags: '--user <id>', description: 'with --all: the account whose sessions end' },
    { flags: '--all', description: 'end every active session of --user' },
  ],
  examples: [
    'streamctl sessions revoke Yc1rV0o2qF3x9K1a.YWxpY2U',
    'streamctl sessions revoke --user alice --all',
    'streamctl sessions revoke --user alice --all --json',
  ],
  async handler(ctx, args, options) {
    const given = args[0];
    // Exactly one form: an id names its own account, so --user beside it would be a second, possibly different, answer.
    if (given !== undefined && (options.all || options.user !== undefined))
      throw new UsageError('pass a session id or --user with --all, not both', FORMS);
    if (given === undefined && !options.all)
      throw new UsageError(
        options.user !== undefined ? '--user needs --all to end every session' : 'which session?',
        FORMS,
      );
    if (options.all && options.user === undefined) throw new UsageError('--all needs --user', 'pass --user <id> --all');
    const sessionId = given === undefined ? undefined : await sessionIdArgument(given);
    const userId = sessionId === undefined ? await idFlag('--user', options.user) : undefined;
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      if (userId !== undefined) {
        // What was playing, to say what ended; the revocation itself decides on fresh state.
        const before = await platform.sessions.list(userId);
        const revoked = await platform.sessions.revokeAll(userId);
        if (ctx.globals.json) {
          ctx.json({ userId, revoked });
          return;
        }
        if (!revoked) {
          ctx.print(`${userId} had no active sessions; nothing to end.`);
          return;
        }
        ctx.print(`Ended ${revoked} session${revoked === 1 ? '' : 's'} of ${userId}.`);
        // A session started or ended between the two reads: the count stands, the list would not.
        if (before.length === revoked)
          for (const s of before) ctx.print(`  ${s.sessionId}  ${s.deviceName} (${s.deviceId}) playing ${s.titleId}`);
        return;
      }
      const id = sessionId as string;
      const ended = await platform.sessions.revoke(id);
      // Ending an ended session is a success that changed nothing (exit 0), as `failover` to the
      // primary already is and as the SDK's own revoke and end are: a retried revoke must not fail.
      if (ctx.globals.json) {
        ctx.json(ended ? { sessionId: id, revoked: true, session: ended } : { sessionId: id, revoked: false });
        return;
      }
      if (ended)
        ctx.print(
          `Ended session ${id}: ${ended.userId} on ${ended.deviceName} (${ended.deviceId}) playing ${ended.titleId} since ${when(ended.startedAt)}.`,
        );
      else ctx.print(`Session ${id} is not active (it ended or never existed); nothing to end.`);
    } finally {
      platform.close();
    }
  },
});
