import { defineCommand } from '../../context.js';
import { DeclinedError, UsageError } from '../../errors.js';

interface FailoverOptions {
  to?: string;
  from?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** `streamctl failover --to R`. */
export const failover = defineCommand<FailoverOptions>({
  name: 'failover',
  description: 'move the primary Region: preflight, flip the routing record, repoint the edge, verify',
  options: [
    { flags: '--to <region>', description: 'the Region to make primary' },
    { flags: '--from <region>', description: 'the Region you expect to be primary now (refused otherwise)' },
    { flags: '--dry-run', description: 'print the plan and change nothing' },
    { flags: '--force', description: 'fail over even when the target fails its health check or replica check' },
  ],
  examples: [
    'streamctl failover --to eu-west-1 --dry-run',
    'streamctl failover --to eu-west-1 --from us-east-1 --yes',
    'streamctl failover status --json',
  ],
  async handler(ctx, _args, options) {
    if (!options.to) throw new UsageError('--to is required', 'pass --to <region>, e.g. --to eu-west-1');
    const sdk = await import('@streamctl/sdk');
    // On the local stage this finds the running platform's endpoints.
    const platform = sdk.createPlatform(await ctx.config());
    // Failover makes its own clients per Region: this one only resolved the stage.
    platform.close();
    const by = ctx.io.env.USER ? `${ctx.io.env.USER} (streamctl)` : 'streamctl';
    const to = options.to;
    const plan = await platform.regions
      .failover({ to, ...(options.from ? { from: options.from } : {}), dryRun: true, by })
      .catch((err: unknown) => {
        const { stage, regions } = platform.config;
        // The local platform has the Regions `streamctl dev --regions` started it with: say how to add one.
        if (stage === sdk.LOCAL_STAGE && !regions.includes(to) && sdk.isStreamctlError(err)) {
          throw new sdk.StreamctlError(err.code, err.message, {
            cause: err,
            hint: `start the local platform with it: streamctl dev --regions ${[...regions, to].join(',')}`,
            ...(err.details ? { details: err.details } : {}),
          });
        }
        throw err;
      });
    if (plan.from === plan.to) {
      if (ctx.globals.json) ctx.json({ ...plan, dryRun: Boolean(options.dryRun) });
      else
        ctx.print(`${plan.to} is already the primary Region (routing version ${plan.record?.version}); nothing to do.`);
      return;
    }
    if (options.dryRun) {
      if (ctx.globals.json) ctx.json(plan);
      else {
        ctx.print(`Plan: fail over stage ${platform.config.stage} from ${plan.from} to ${plan.to}`);
        for (const [i, s] of plan.steps.entries()) ctx.print(`  ${i + 1}. ${s.title}`);
        ctx.print(`Rollback: ${plan.rollback}`);
        ctx.print('Nothing was changed (--dry-run).');
      }
      return;
    }
    if (
      !(await ctx.ui.confirm({ message: `Fail over stage ${platform.config.stage} from ${plan.from} to ${plan.to}?` }))
    ) {
      throw new DeclinedError('failover');
    }
    const progress = new Map<string, (text: string) => void>();
    const settled = new Map<string, { resolve: () => void; reject: (e: unknown) => void; promise: Promise<void> }>();
    for (const s of plan.steps) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      settled.set(s.id, { resolve, reject, promise });
    }
    let current = plan.steps[0]?.id ?? 'preflight';
    const running = platform.regions.failover({
      to: options.to,
      ...(options.from ? { from: options.from } : {}),
      force: Boolean(options.force),
      by,
      onStep: (s) => {
        current = s.id;
        if (s.done) {
          progress.get(s.id)?.(s.detail ?? 'done');
          settled.get(s.id)?.resolve();
        }
      },
    });
    running.then(
      () => {
        for (const g of settled.values()) g.resolve();
      },
      (err: unknown) => settled.get(current)?.reject(err),
    );
    await ctx.ui.tasks(
      plan.steps.map((s) => ({
        title: s.title,
        async run(update) {
          progress.set(s.id, (text) => update(text));
          await settled.get(s.id)?.promise;
        },
      })),
    );
    const result = await running;
    if (ctx.globals.json) ctx.json(result);
    else {
      ctx.print(`Primary is now ${result.to} (routing version ${result.record?.version}).`);
      ctx.print(`Rollback: ${result.rollback}`);
    }
  },
});
