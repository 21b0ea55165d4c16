import { defineCommand } from '../../context.js';
import { idFlag, USER_OPTION } from '../users/ids.js';

interface RemoveOptions {
  user?: string;
}

/** `streamctl devices remove <deviceId> --user U`. */
export const devicesRemove = defineCommand<RemoveOptions>({
  name: 'devices remove',
  description: 'remove a device from an account and end its sessions at once (it frees a device slot)',
  arguments: [{ name: 'deviceId', description: 'the device, as `devices list` shows it', required: true }],
  options: [USER_OPTION],
  examples: ['streamctl devices remove tv-1 --user alice', 'streamctl devices remove tv-1 --user alice --json'],
  async handler(ctx, args, options) {
    const userId = await idFlag('--user', options.user);
    const deviceId = await idFlag('deviceId', args[0]);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      // What the device played, to say what ended; the removal itself decides on fresh state.
      const before = await platform.sessions.account(userId);
      const device = before.devices.find((d) => d.deviceId === deviceId);
      const ending = before.sessions.filter((s) => s.deviceId === deviceId);
      const removed = await platform.sessions.removeDevice(userId, deviceId);
      const endedSessions = ending.map((s) => s.sessionId);
      // A device that is not registered is a success that changed nothing (exit 0), as `sessions revoke` of an
      // ended session: a retried removal must not fail.
      if (ctx.globals.json) {
        ctx.json({ userId, deviceId, removed, endedSessions });
        return;
      }
      if (!removed) {
        ctx.print(`${userId} has no device ${deviceId}; nothing to remove.`);
        return;
      }
      ctx.print(
        `Removed ${device ? `${device.name} (${deviceId})` : deviceId} from ${userId}${
          endedSessions.length
            ? `; ended ${endedSessions.length === 1 ? 'its session' : `${endedSessions.length} sessions`} (${ending.map((s) => s.titleId).join(', ')})`
            : ''
        }.`,
      );
    } finally {
      platform.close();
    }
  },
});
