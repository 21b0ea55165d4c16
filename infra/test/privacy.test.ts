import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourceNames } from '@streamctl/sdk/config';
import { PRIVACY_MAP, VIEWER_STORES } from '@streamctl/sdk/privacy';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HEALTH_ACTIONS,
  PRIVACY_PLATFORM_ACTIONS,
  PRIVACY_REPLICA_ACTIONS,
  PRIVACY_VERSION_ACTIONS,
  ROUTING_PARTITION,
  ROUTING_READ_ACTIONS,
  TASTE_PARTITIONS,
} from '../lib/api-stack.js';
import type { PlatformStacks } from '../lib/app.js';
import { controlTablePlacement } from '../lib/config.js';
import { erasedEventsDropped, TOMBSTONE_READ } from '../lib/streaming-stack.js';
import { example as config, INFRA, synthesizedPlatform } from './example.js';

let stacks: PlatformStacks;

beforeAll(async () => {
  stacks = await synthesizedPlatform(config);
}, 120_000);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Policy = { Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } };

/** A table's ARN as the templates render it (the partition a reference, the rest literal). */
const tableArn = (region: string, table: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:${region}:123456789012:table/${table}`]],
});
const names = (region: string) => resourceNames(config.stage, region);
const actionsOf = (s: Statement) => ([] as string[]).concat(s.Action);
const resourcesOf = (s: Statement) => ([] as unknown[]).concat(s.Resource);
const sameResource = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The Allow statements of the policies attached to roles whose logical id starts with `rolePrefix`. */
function statementsOf(stack: Parameters<typeof Template.fromStack>[0], rolePrefix: string): Statement[] {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as Policy[];
  const mine = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(rolePrefix)));
  expect(mine.length).toBeGreaterThan(0);
  return mine.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => s.Effect === 'Allow');
}

/** Every action a role's statements allow on one resource. */
const actionsOn = (statements: Statement[], resource: unknown) =>
  new Set(statements.filter((s) => resourcesOf(s).some((r) => sameResource(r, resource))).flatMap(actionsOf));

const other = (region: string) => config.regions.filter((r) => r !== region);
const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('privacy: the API server', () => {
  it('has more than one Region to reach (the example stage is multi-Region)', () => {
    expect(config.regions.length).toBeGreaterThan(1);
  });

  it.each(config.regions)(
    "%s: may find and batch-delete a viewer's dead letters in every Region's platform table, by ARN",
    (region) => {
      const statements = statementsOf(stacks.regions[region]?.api as never, 'ServerServiceRole');
      const platformArns = config.regions.map((r) => tableArn(r, names(r).platformTable));
      const privacy = statements.filter((s) => sameResource(resourcesOf(s), platformArns));
      expect(privacy).toHaveLength(1);
      expect(actionsOf(privacy[0] as Statement)).toEqual([
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
      ]);
      for (const elsewhere of other(region)) {
        // The other Region's table, named as the SDK names it there: the same name, another Region.
        expect(names(elsewhere).platformTable).toBe('streamctl-prod-platform');
        const there = actionsOn(statements, tableArn(elsewhere, 'streamctl-prod-platform'));
        expect([...there].sort()).toEqual([...PRIVACY_PLATFORM_ACTIONS].sort());
      }
      // Here, the health check's DescribeTable besides: the models are no longer read from this table.
      const here = actionsOn(statements, tableArn(region, 'streamctl-prod-platform'));
      expect([...here].sort()).toEqual([...PRIVACY_PLATFORM_ACTIONS, ...HEALTH_ACTIONS.table].sort());
      // The workers own the rows: the server neither puts, updates nor deletes one item of a platform table.
      for (const r of config.regions) {
        const on = actionsOn(statements, tableArn(r, 'streamctl-prod-platform'));
        for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
          expect(on).not.toContain(write);
      }
    },
  );

  it.each(config.regions)(
    "%s: may read and delete the erased viewer's rows in the other Regions' user-state replicas, and write its own",
    (region) => {
      const statements = statementsOf(stacks.regions[region]?.api as never, 'ServerServiceRole');
      // This Region's replica: consent, the tombstone, the erasure record, the viewer's rows and taste.
      const here = actionsOn(statements, tableArn(region, names(region).userStateTable));
      for (const action of [
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ])
        expect(here).toContain(action);
      const controlRegions = controlTablePlacement(config).regions;
      for (const elsewhere of other(region)) {
        const arn = tableArn(elsewhere, names(elsewhere).userStateTable);
        const on = (s: Statement) => resourcesOf(s).some((r) => sameResource(r, arn));
        // Verification reads the replica, and deletes what it still shows after the wait; forgetting a
        // viewer's taste there does the same.
        const replica = statements.filter((s) => on(s) && s.Condition === undefined);
        expect(replica).toHaveLength(1);
        expect(actionsOf(replica[0] as Statement)).toEqual([...PRIVACY_REPLICA_ACTIONS]);
        // Forgetting also moves that Region's profile version: an update of taste partitions alone.
        const version = statements.filter((s) => on(s) && actionsOf(s).includes('dynamodb:UpdateItem'));
        expect(version).toHaveLength(1);
        expect(actionsOf(version[0] as Statement)).toEqual([...PRIVACY_VERSION_ACTIONS]);
        expect(version[0]?.Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TASTE_PARTITIONS] },
        });
        // The routing record's former place, where that Region is a control Region: its partition alone.
        const routing = statements.filter((s) => on(s) && actionsOf(s).includes('dynamodb:GetItem'));
        if (controlRegions.includes(elsewhere)) {
          expect(routing).toHaveLength(1);
          expect(actionsOf(routing[0] as Statement)).toEqual([...ROUTING_READ_ACTIONS]);
          expect(routing[0]?.Condition).toEqual({
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ROUTING_PARTITION] },
          });
        } else expect(routing).toEqual([]);
        // Nothing else there: no put, no delete of one item, no scan.
        const all = actionsOn(statements, arn);
        for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
          expect(all).not.toContain(action);
      }
    },
  );

  it.each(config.regions)('%s: names tables of the stage’s Regions only, never a wildcard', (region) => {
    const statements = statementsOf(stacks.regions[region]?.api as never, 'ServerServiceRole');
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const arns = dynamo.flatMap(resourcesOf).map((r) => JSON.stringify(r));
    expect(arns.length).toBeGreaterThan(0);
    const controlRegions = controlTablePlacement(config).regions;
    for (const arn of arns) {
      expect(arn).not.toContain('*');
      const [, inRegion, table] = /:dynamodb:([a-z0-9-]+):\d+:table\/([a-z0-9-]+)/.exec(arn) ?? [];
      // The control table in its own Regions (one may be outside the stage's), every other table in the stage's.
      if (table === names(region).controlTable) expect(controlRegions).toContain(inRegion);
      else expect(config.regions).toContain(inRegion);
    }
    // Another Region's catalog is not the server's business: it reads its own Region's replica.
    for (const elsewhere of other(region))
      expect(actionsOn(statements, tableArn(elsewhere, names(elsewhere).catalogTable)).size).toBe(0);
  });

  it("reaches, in every Region, each table where the privacy map keeps a viewer's rows", () => {
    const tables = PRIVACY_MAP.filter(
      (s) => (VIEWER_STORES as readonly string[]).includes(s.id) && s.resource.endsWith('Table'),
    );
    // The viewer's state and taste model in the user-state global table, dead letters in each Region's platform table.
    expect(tables.map((s) => `${s.id}:${s.resource}:${s.scope}`).sort()).toEqual([
      'dead-letters:platformTable:region',
      'models:userStateTable:global',
      'user-state:userStateTable:global',
    ]);
    for (const region of config.regions) {
      const statements = statementsOf(stacks.regions[region]?.api as never, 'ServerServiceRole');
      for (const store of tables) {
        for (const r of config.regions) {
          const table = names(r)[store.resource as 'platformTable' | 'userStateTable'];
          const on = actionsOn(statements, tableArn(r, table));
          // Found by key and deleted by key, wherever the store keeps a copy: a Region's own table, or
          // each replica of a global one (erased in the home Region, verified and cleaned in the others).
          expect(on, `${store.id} in ${r} from ${region}`).toContain('dynamodb:Query');
          expect(on, `${store.id} in ${r} from ${region}`).toContain('dynamodb:BatchWriteItem');
        }
      }
    }
  });
});

describe('privacy: the workers', () => {
  const ENGAGEMENT = ['WatchState', 'Signals', 'Qoe'];

  it.each(config.regions)(
    "%s: every worker of viewers' events may get the tombstone from the Region's user-state replica",
    (region) => {
      const streaming = stacks.regions[region]?.streaming as never;
      const userState = tableArn(region, names(region).userStateTable);
      for (const worker of ENGAGEMENT) {
        const on = actionsOn(statementsOf(streaming, `${worker}ServiceRole`), userState);
        expect(on, worker).toContain('dynamodb:GetItem');
      }
      // The QoE worker keeps no user state: the tombstone read is all it may do there.
      const qoe = statementsOf(streaming, 'QoeServiceRole').filter((s) =>
        resourcesOf(s).some((r) => JSON.stringify(r).includes('user-state')),
      );
      expect(qoe.map(actionsOf)).toEqual([[...TOMBSTONE_READ]]);
      expect(resourcesOf(qoe[0] as Statement)).toEqual([userState]);
      // The search worker reads catalog events only (no viewer, no tombstone): no user state at all.
      const search = statementsOf(streaming, 'SearchServiceRole');
      expect(JSON.stringify(search)).not.toContain('user-state');
    },
  );

  it.each(config.regions)(
    '%s: no worker gained a write to user state: the watch-state and signals workers write it, as before',
    (region) => {
      const streaming = stacks.regions[region]?.streaming as never;
      const writers = ['WatchState', 'Signals', 'Qoe', 'Search'].filter((worker) => {
        const statements = statementsOf(streaming, `${worker}ServiceRole`);
        const onUserState = statements.filter((s) =>
          resourcesOf(s).some((r) => JSON.stringify(r).includes('user-state')),
        );
        return onUserState.flatMap(actionsOf).some((a) => WRITES.includes(a));
      });
      expect(writers).toEqual(['WatchState', 'Signals']);
      // And only this Region's replica: no worker names another Region's table.
      const json = JSON.stringify(Template.fromStack(streaming).findResources('AWS::IAM::Policy'));
      for (const elsewhere of other(region)) expect(json).not.toContain(`:dynamodb:${elsewhere}:`);
    },
  );

  it.each(config.regions)(
    "%s: graphs each engagement consumer's ErasedViewerEventsDropped on the streaming dashboard",
    (region) => {
      const t = Template.fromStack(stacks.regions[region]?.streaming as never);
      const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as Array<{
        Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
      }>;
      expect(dashboards).toHaveLength(1);
      // The body as CloudFormation joins it (references stand in as `<ref>`).
      const [, parts] = dashboards[0]?.Properties.DashboardBody['Fn::Join'] ?? ['', []];
      const body = parts.map((p) => (typeof p === 'string' ? p : '<ref>')).join('');
      const series = (consumer: string) =>
        JSON.stringify(['streamctl', 'ErasedViewerEventsDropped', 'consumer', consumer, 'service', 'workers']).slice(
          0,
          -1,
        );
      for (const consumer of ['watch-state', 'signals', 'qoe']) expect(body).toContain(series(consumer));
      // The search consumer never sees a viewer's event: it has no series.
      expect(body).not.toContain(series('search'));
    },
  );

  it('graphs the metric the worker Lambdas emit: its name, namespace, service and dimension', () => {
    const lambda = readFileSync(join(INFRA, '../packages/workers/src/lambda.ts'), 'utf8');
    const metric = erasedEventsDropped('qoe');
    expect(lambda).toContain(`'${metric.metricName}'`);
    expect(lambda).toContain(`namespace: '${metric.namespace}', serviceName: '${metric.dimensions?.service}'`);
    expect(lambda).toContain("addDimension('consumer', name)");
    expect(metric.dimensions).toEqual({ service: 'workers', consumer: 'qoe' });
  });
});
