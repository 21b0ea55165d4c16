import type { ConsentState } from '@streamctl/sdk';
import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { countryFlag } from '../../flags.js';
import { idFlag, when } from '../users/ids.js';

interface ConsentOptions {
  country?: string;
}

/**
 * The country a viewer's consent default is looked up for when `--country` is not given: no
 * country's default then, the stage's (as the SDK's own export does).
 */
const NO_COUNTRY = 'ZZ';

/**
 * The optional `on|off` argument: true, false, or undefined to show the consent; a usage error
 * otherwise.
 *
 * @example
 * ```ts
 * consentSetting('off'); // false
 * ```
 */
export function consentSetting(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UsageError(`invalid setting "${value}"`, 'use on or off, or leave it out to show the consent');
}

/**
 * Where a consent answer came from, in words.
 *
 * @example
 * ```ts
 * consentSource({ personalization: true, source: 'country' }, 'GB'); // "the default for GB"
 * ```
 */
export function consentSource(state: ConsentState, country: string | undefined): string {
  if (state.source === 'viewer')
    return `the viewer's own choice${state.updatedAt ? `, made ${when(state.updatedAt)}` : ''}`;
  if (state.source === 'country') return `the default for ${country ?? 'their country'}`;
  return country ? `the stage's default (${country} has none of its own)` : "the stage's default";
}

/** `streamctl privacy consent <user> [on|off]`. */
export const privacyConsent = defineCommand<ConsentOptions>({
  name: 'privacy consent',
  description:
    "a viewer's consent to personalization: show it, or turn it on or off (off also forgets their taste model)",
  arguments: [
    { name: 'user', description: 'the viewer (user id)', required: true },
    { name: 'on|off', description: 'turn personalization on or off; leave out to show the consent', required: false },
  ],
  options: [
    {
      flags: '--country <cc>',
      description:
        "the viewer's country (ISO 3166 alpha-2): whose default applies when they have not chosen (default: the stage's)",
    },
  ],
  examples: [
    'streamctl privacy consent alice',
    'streamctl privacy consent alice --country DE --json',
    'streamctl privacy consent alice off',
  ],
  async handler(ctx, args, options) {
    const userId = await idFlag('user', args[0]);
    const setting = consentSetting(args[1]);
    const country = options.country === undefined ? undefined : await countryFlag(options.country);
    const viewer = { userId, country: country ?? NO_COUNTRY };
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const state =
        setting === undefined
          ? await platform.privacy.consent(viewer)
          : await platform.privacy.setConsent(viewer, setting);
      if (ctx.globals.json) {
        ctx.json({ userId, ...(country ? { country } : {}), ...state });
        return;
      }
      const onOff = state.personalization ? 'on' : 'off';
      if (setting === undefined) {
        ctx.print(`Personalization for ${userId} is ${onOff}: ${consentSource(state, country)}.`);
        // A default depends on the country: without one, say which was shown.
        if (state.source !== 'viewer' && country === undefined)
          ctx.ui.note(
            `note: a country may have a default of its own; pass --country to see the one that applies to ${userId}`,
          );
        return;
      }
      const recorded = state.updatedAt ? ` (recorded ${when(state.updatedAt)})` : '';
      ctx.print(
        setting
          ? `Personalization for ${userId} is now on${recorded}.`
          : `Personalization for ${userId} is now off${recorded}: their taste model is forgotten in every Region.`,
      );
    } finally {
      platform.close();
    }
  },
});
