import { defineCommand } from '../../context.js';
import { idFlag, USER_OPTION, when } from '../users/ids.js';

interface ListOptions {
  user?: string;
}

/** `streamctl sessions list --user U`. */
export const sessionsList = defineCommand<ListOptions>({
  name: 'sessions list',
  description: "an account's active playback sessions: device, title, started, last heartbeat, when each ends",
  options: [USER_OPTION],
  examples: ['streamctl sessions list --user alice', 'streamctl sessions list --user alice --json'],
  async handler(ctx, _args, options) {
    const userId = await idFlag('--user', options.user);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const sessions = await platform.sessions.list(userId);
      if (ctx.globals.json) {
        ctx.json({ userId, sessions });
        return;
      }
      if (!sessions.length) {
        ctx.print(`${userId} has no active sessions.`);
        return;
      }
      ctx.print(`${userId}: ${sessions.length} active session${sessions.length === 1 ? '' : 's'}`);
      for (const s of sessions) {
        ctx.print(`  ${s.sessionId}`);
        ctx.print(
          `    ${s.deviceName} (${s.deviceId}) playing ${s.titleId}; started ${when(s.startedAt)}, last heartbeat ${when(s.heartbeatAt)}, ends ${when(s.expiresAt)}`,
        );
      }
      ctx.print(
        `End one: streamctl sessions revoke <sessionId>; all: streamctl sessions revoke --user ${userId} --all`,
      );
    } finally {
      platform.close();
    }
  },
});
