import { defineCommand } from '../../context.js';
import { idFlag, USER_OPTION, when } from '../users/ids.js';

interface ListOptions {
  user?: string;
}

/** `streamctl devices list --user U`. */
export const devicesList = defineCommand<ListOptions>({
  name: 'devices list',
  description: "an account's registered devices, most recently seen first, and what each plays now",
  options: [USER_OPTION],
  examples: ['streamctl devices list --user alice', 'streamctl devices list --user alice --json'],
  async handler(ctx, _args, options) {
    const userId = await idFlag('--user', options.user);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      // One read gives the devices and the sessions on them.
      const account = await platform.sessions.account(userId);
      const playing = new Map(account.sessions.map((s) => [s.deviceId, s]));
      const devices = account.devices.map((d) => ({
        ...d,
        ...(playing.has(d.deviceId) ? { sessionId: playing.get(d.deviceId)?.sessionId } : {}),
      }));
      if (ctx.globals.json) {
        ctx.json({ userId, devices, maxDevices: platform.sessions.settings.maxDevices });
        return;
      }
      if (!devices.length) {
        ctx.print(`${userId} has no registered devices (a device registers at its first playback).`);
        return;
      }
      ctx.print(`${userId}: ${devices.length} of ${platform.sessions.settings.maxDevices} devices`);
      for (const d of devices) {
        const session = playing.get(d.deviceId);
        ctx.print(
          `  ${d.deviceId.padEnd(20)} ${d.name.slice(0, 28).padEnd(28)} ${d.kind.padEnd(8)} last seen ${when(d.lastSeenAt)}${session ? `  playing ${session.titleId}` : ''}`,
        );
      }
      ctx.print(`Remove one: streamctl devices remove <deviceId> --user ${userId}`);
    } finally {
      platform.close();
    }
  },
});
