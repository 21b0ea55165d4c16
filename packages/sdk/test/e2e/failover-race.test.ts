/**
 * Whole failovers started "from" two Regions at once, on the emulators: two
 * operators' configurations that differ in their Region (each reads and
 * writes the routing record through its own Region's clients) over one
 * shared store, as `streamctl dev --regions` runs the Regions. The store is
 * one copy, as a table with multi-Region strong consistency behaves to its
 * writers, so this checks the failover's own protocol: each run reads the
 * record's version before its preflight and flips on that version. Twenty
 * rounds: each ends with exactly one winner, a typed CONFLICT with a hint
 * for the other, and a record naming the winner one version on.
 */
import { randomUUID } from 'node:crypto';
import {
  createAwsClients,
  ensureResources,
  ensureStreams,
  type FailoverResult,
  type RoutingRecord,
  readRouting,
  resolveConfig,
  runFailover,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { beforeAll, describe, expect, inject, it } from 'vitest';

const target = inject('target');
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const ROUNDS = 20;

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis || !target.endpoints.s3)(
  `failovers started from two Regions at once (${target.kind})`,
  () => {
    let stage: StreamctlConfig;

    beforeAll(async () => {
      const base = await resolveConfig({
        flags: { stage: `fr${randomUUID().slice(0, 6)}`, regions: REGIONS.join(',') },
        env: {},
        configFile: false,
      });
      stage = { ...base, endpoints: { ...target.endpoints } };
      const clients = createAwsClients(stage);
      await ensureResources(clients, stage.resources);
      clients.destroy();
      // Every Region's stream, as the CDK app deploys one per Region (a Region-aware Kinesis keeps them apart).
      for (const region of REGIONS.slice(1)) {
        const regional = createAwsClients({ ...stage, region });
        await ensureStreams(regional.kinesis(), stage.resources);
        regional.destroy();
      }
    });

    it(`lets exactly one win in each of ${ROUNDS} rounds; the other gets CONFLICT and the record stays whole`, async () => {
      const fromUs: StreamctlConfig = { ...stage, region: 'us-east-1' };
      const fromAp: StreamctlConfig = { ...stage, region: 'ap-southeast-2' };
      const reader = createAwsClients({ ...stage, region: 'eu-west-1' });
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const before = await readRouting(reader, stage.resources);
          const primary = before?.primary ?? 'us-east-1';
          const [toA, toB] = REGIONS.filter((r) => r !== primary) as [string, string];
          const results = await Promise.allSettled([
            runFailover(fromUs, { to: toA, by: `r${round}-us`, replicaTimeoutSec: 5 }),
            runFailover(fromAp, { to: toB, by: `r${round}-ap`, replicaTimeoutSec: 5 }),
          ]);
          const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
          const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
          expect(won, `round ${round}: ${JSON.stringify(lost)}`).toHaveLength(1);
          expect(lost, `round ${round}`).toHaveLength(1);
          const winner = won[0] as FailoverResult;
          expect(winner).toMatchObject({ from: primary, changed: true });
          expect(lost[0], `round ${round}`).toMatchObject({
            code: 'CONFLICT',
            message: expect.stringMatching(
              new RegExp(
                `^The routing record changed while this failover ran: r${round}-(us|ap) set the primary to ${winner.to} `,
              ),
            ),
            hint: '`streamctl failover status` shows the current record; re-run the failover if it is still needed',
          });
          const after = (await readRouting(reader, stage.resources)) as RoutingRecord;
          expect(after, `round ${round}`).toMatchObject({
            primary: winner.to,
            version: (before?.version ?? 1) + 1,
            changedBy: winner.record?.changedBy,
            reason: `failover from ${primary}`,
          });
          expect(after.regions[winner.to]).toBe('active');
          expect(after.regions[primary]).toBe('draining');
        }
      } finally {
        reader.destroy();
      }
    });
  },
);
