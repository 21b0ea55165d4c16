import { defineCommand } from '../../context.js';
import { DeclinedError } from '../../errors.js';

interface RotateOptions {
  keyGroup?: string;
  wait: boolean;
  timeout?: string;
}

/** `streamctl keys rotate`. */
export const keysRotate = defineCommand<RotateOptions>({
  name: 'keys rotate',
  description:
    'rotate the CloudFront signing key: retire keys past their time, publish a new key in the key group, switch signing to it once the distribution has deployed the change, and keep the old key trusted until every grant it signed has expired (the first run on a stage makes the key set, and on AWS the key group)',
  options: [
    {
      flags: '--key-group <id>',
      description:
        'adopt this CloudFront key group when the stored key set names none (one made before streamctl keys)',
    },
    {
      flags: '--no-wait',
      description: "don't wait for the distribution to deploy: the new key stays pending until the next run",
    },
    { flags: '--timeout <duration>', description: 'how long to wait for the deployment (e.g. 30m). Default 20m' },
  ],
  examples: [
    'streamctl keys rotate --yes',
    'streamctl keys rotate --stage prod --yes --json',
    'streamctl keys rotate --stage prod --key-group 1f2e3d4c-5b6a-4789-9abc-def012345678 --no-wait --yes',
  ],
  async handler(ctx, _args, options) {
    const sdk = await import('@streamctl/sdk');
    // Checked before anything is asked or touched.
    const timeoutMs =
      options.timeout === undefined ? undefined : sdk.parseDuration(options.timeout, '--timeout') * 1000;
    const config = await ctx.config();
    const keys = sdk.createStageKeys(config);
    try {
      if (
        !(await ctx.ui.confirm({
          message: `Rotate the signing key of stage ${config.stage} (${keys.backend.location})?`,
        }))
      )
        throw new DeclinedError('key rotation');
      const result = await ctx.ui.spin(`Rotating the signing key of ${config.stage}`, () =>
        keys.rotate({
          ...(options.keyGroup ? { keyGroupId: options.keyGroup } : {}),
          wait: options.wait,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        }),
      );
      if (ctx.globals.json) {
        ctx.json(result);
        return;
      }
      for (const id of result.retired) ctx.print(`Retired ${id}: out of the key group and the key set.`);
      if (result.created) {
        ctx.print(`Made the key set in ${result.location}: ${result.activated} signs.`);
        if (result.keyGroupId)
          ctx.print(
            `  Key group ${result.keyGroupId} holds it. Set "keyGroupId": "${result.keyGroupId}" in streamctl.infra.json and deploy the edge stack.`,
          );
        return;
      }
      if (result.pending) {
        ctx.print(
          `Published ${result.pending}; the key group change is not in effect yet (the distribution is deploying it, or it is within the settle time after publishing), so the old key still signs.`,
        );
        ctx.print('  Run `streamctl keys rotate` again later: it switches signing once the change is deployed.');
        return;
      }
      ctx.print(`${result.activated} signs now.`);
      if (result.retiring)
        ctx.print(
          `  ${result.retiring.keyPairId} stays trusted until ${result.retiring.retireAfter} (the longest grant it signed, plus the servers' key cache); then run \`streamctl keys retire\`.`,
        );
    } finally {
      keys.close();
    }
  },
});
