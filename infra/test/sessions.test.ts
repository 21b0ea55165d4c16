import { PlanNameSchema } from '@streamctl/sdk/config';
import { DeviceLimitError, NotFoundError, StreamLimitError } from '@streamctl/sdk/errors';
import { userStateTable } from '@streamctl/sdk/resources';
import { createHttpApp, type HttpPlatform } from '@streamctl/server';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FilterPattern } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { playbackStartLines, VIEWER_ATTRIBUTES } from '../lib/api-stack.js';
import type { PlatformStacks } from '../lib/app.js';
import { parseInfraConfig } from '../lib/config.js';
import { example as config, synthesizedPlatform } from './example.js';

let stacks: PlatformStacks;

beforeAll(async () => {
  stacks = await synthesizedPlatform(config);
}, 120_000);

type Resource = { Type: string; Properties: Record<string, unknown> };

const api = (region: string) => {
  const stack = stacks.regions[region]?.api;
  if (!stack) throw new Error(`no Region ${region}`);
  return Template.fromStack(stack);
};

/** The resources of a type, by logical id. */
const resources = (t: Template, type: string) => Object.entries(t.findResources(type)) as Array<[string, Resource]>;

/** The metric filter of a metric, and its log group's logical id. */
function metricFilter(t: Template, metricName: string) {
  const found = resources(t, 'AWS::Logs::MetricFilter').filter(([, r]) =>
    (r.Properties.MetricTransformations as Array<{ MetricName: string }>).some((m) => m.MetricName === metricName),
  );
  expect(found).toHaveLength(1);
  const [id, filter] = found[0] as [string, Resource];
  return { id, filter, logGroupId: (filter.Properties.LogGroupName as { Ref: string }).Ref };
}

const ERRORS =
  '{ ($.message = "request") && ($.method = "POST") && ($.route = "/v1/playback/:titleId") && ($.status >= 500) }';
const REFUSALS =
  '{ ($.message = "request") && ($.method = "POST") && ($.route = "/v1/playback/:titleId") && ($.status = 409) }';

describe('session state', () => {
  it('expires playback sessions with the user-state global table: TTL on expiresAt, the attribute the SDK names', () => {
    expect(userStateTable.ttlAttribute).toBe('expiresAt');
    const t = Template.fromStack(stacks.data);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'streamctl-prod-user-state',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // One TTL per table: nothing else of the user state expires under another name.
    const [[, table] = []] = resources(t, 'AWS::DynamoDB::GlobalTable').filter(
      ([, r]) => r.Properties.TableName === 'streamctl-prod-user-state',
    );
    expect(table?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});

describe('the plan attribute', () => {
  it.each(config.regions)(
    '%s: the user pool has custom:plan, a string of 1–32 characters admins may change',
    (region) => {
      api(region).hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([
          {
            Name: 'country',
            AttributeDataType: 'String',
            Mutable: true,
            StringAttributeConstraints: { MinLength: '2', MaxLength: '2' },
          },
          {
            Name: 'plan',
            AttributeDataType: 'String',
            Mutable: true,
            StringAttributeConstraints: { MinLength: '1', MaxLength: '32' },
          },
        ]),
      });
    },
  );

  it.each(config.regions)(
    '%s: viewers cannot write their plan (or country) through the app client, and read both in their token',
    (region) => {
      const clients = resources(api(region), 'AWS::Cognito::UserPoolClient');
      expect(clients).toHaveLength(1);
      const [, client] = clients[0] as [string, Resource];
      // Email only: an attribute missing here is one the client cannot change, whatever the viewer sends.
      expect(client.Properties.WriteAttributes).toEqual(['email']);
      expect(JSON.stringify(client.Properties)).not.toMatch(/custom:plan|custom:country/);
      // Unset read attributes mean all of them: the ID token carries custom:plan and custom:country.
      expect(client.Properties.ReadAttributes).toBeUndefined();
    },
  );

  it('fits every plan name the claim accepts, and no longer one', () => {
    const { minLen, maxLen } = VIEWER_ATTRIBUTES.plan;
    expect(PlanNameSchema.safeParse('b'.repeat(minLen)).success).toBe(true);
    expect(PlanNameSchema.safeParse('b'.repeat(maxLen)).success).toBe(true);
    expect(PlanNameSchema.safeParse('b'.repeat(maxLen + 1)).success).toBe(false);
    for (const plan of ['basic', 'standard', 'premium']) expect(PlanNameSchema.safeParse(plan).success).toBe(true);
  });
});

describe('playback start metrics', () => {
  it.each(config.regions)(
    '%s: the server logs to its own log group, kept a month, which the filters read',
    (region) => {
      const t = api(region);
      // The server's group is the one its function logs to (the stack also keeps the API's access logs and the VPC's flow logs).
      const server = Object.values(
        t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
      );
      const logGroupId = (server[0] as { Properties: { LoggingConfig: { LogGroup: { Ref: string } } } }).Properties
        .LoggingConfig.LogGroup.Ref;
      expect(resources(t, 'AWS::Logs::LogGroup').map(([id]) => id)).toContain(logGroupId);
      expect(t.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroupId } },
      });
      expect(metricFilter(t, 'PlaybackStartErrors').logGroupId).toBe(logGroupId);
      expect(metricFilter(t, 'PlaybackLimitRefusals').logGroupId).toBe(logGroupId);
      // No log-retention custom resource (a second function with index.handler) sneaks in.
      expect(resources(t, 'AWS::Lambda::Function')).toHaveLength(1);
    },
  );

  it.each(config.regions)('%s: counts 5xx playback starts from the request log and alarms on them', (region) => {
    const t = api(region);
    const { filter } = metricFilter(t, 'PlaybackStartErrors');
    expect(filter.Properties).toMatchObject({
      FilterPattern: ERRORS,
      MetricTransformations: [
        { MetricName: 'PlaybackStartErrors', MetricNamespace: 'streamctl/prod', MetricValue: '1' },
      ],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'streamctl/prod',
      MetricName: 'PlaybackStartErrors',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 3,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it.each(config.regions)('%s: counts limit refusals (409) for the dashboard, without an alarm', (region) => {
    const t = api(region);
    const { filter } = metricFilter(t, 'PlaybackLimitRefusals');
    expect(filter.Properties).toMatchObject({
      FilterPattern: REFUSALS,
      MetricTransformations: [
        { MetricName: 'PlaybackLimitRefusals', MetricNamespace: 'streamctl/prod', MetricValue: '1' },
      ],
    });
    const alarmed = resources(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.MetricName);
    expect(alarmed).not.toContain('PlaybackLimitRefusals');
    expect(alarmed.filter((m) => m === 'PlaybackStartErrors')).toHaveLength(1);
    const [[, dashboard] = []] = resources(t, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('PlaybackStartErrors');
    expect(body).toContain('PlaybackLimitRefusals');
  });

  it('builds both patterns from the one description of a playback start line', () => {
    const status = (op: string, n: number) => playbackStartLines(FilterPattern.numberValue('$.status', op, n));
    expect(status('>=', 500).logPatternString).toBe(ERRORS);
    expect(status('=', 409).logPatternString).toBe(REFUSALS);
  });
});

/**
 * The lines the server writes: the real app's request log, as the Lambda entry hands each entry to
 * Powertools (`logger.info(message, fields)`, one JSON object with the fields beside the message).
 */
async function requestLines(): Promise<Array<{ request: string; line: Record<string, unknown> }>> {
  const unused = () => {
    throw new Error('not used');
  };
  const group = <T extends object>() => new Proxy({} as T, { get: () => unused });
  const outcomes: Record<string, () => never> = {
    crash: () => {
      throw new Error('the store is down');
    },
    busy: () => {
      throw new StreamLimitError('The account plays 1 stream already', 1, []);
    },
    crowded: () => {
      throw new DeviceLimitError('The account has 10 devices already');
    },
    gone: () => {
      throw new NotFoundError('Title gone does not exist');
    },
  };
  const platform: HttpPlatform = {
    health: unused,
    authenticate: async () => ({ userId: 'alice', country: 'GB', plan: 'basic' }),
    home: group(),
    titles: group(),
    search: group(),
    lists: group(),
    playback: {
      grant: async (_viewer: unknown, titleId: string) => (outcomes[titleId] ?? unused)(),
      renew: async () => outcomes.crash?.() as never,
    } as unknown as HttpPlatform['playback'],
    sessions: group(),
    events: group(),
    privacy: { pseudonym: () => 'viewer-pseudonym' } as unknown as HttpPlatform['privacy'],
    protection: group(),
  };
  const entries: Array<Record<string, unknown>> = [];
  const app = createHttpApp(platform, { log: (entry) => entries.push(entry) });
  const lines: Array<{ request: string; line: Record<string, unknown> }> = [];
  const headers = { authorization: 'Bearer t', 'content-type': 'application/json' };
  for (const [method, path] of [
    ['POST', '/v1/playback/crash'],
    ['POST', '/v1/playback/busy'],
    ['POST', '/v1/playback/crowded'],
    ['POST', '/v1/playback/gone'],
    ['POST', '/v1/playback/other'],
    ['GET', '/v1/playback/crash'],
    ['PUT', '/v1/sessions/AAAAAAAAAAAAAAAA.YWxpY2U'],
    ['POST', '/v1/playlist/crash'],
  ] as const) {
    entries.length = 0;
    await app.request(path, { method, headers, body: method === 'GET' ? null : '{"deviceId":"tv-1"}' });
    const entry = entries.find((e) => e.message === 'request');
    expect(entry).toBeDefined();
    const { level, message, ...fields } = entry as Record<string, unknown>;
    lines.push({ request: `${method} ${path}`, line: { level, message, service: 'streamctl-api', ...fields } });
  }
  return lines;
}

/**
 * The subset of CloudWatch Logs' JSON filter syntax the two patterns use: `&&` of `$.field = "text"`
 * (with `*` matching any characters), `$.field = n` and `$.field >= n`.
 */
function matches(pattern: string, line: Record<string, unknown>): boolean {
  const body = /^\{ (.*) \}$/.exec(pattern)?.[1];
  if (!body) throw new Error(`not a JSON pattern: ${pattern}`);
  return body.split(' && ').every((term) => {
    const m = /^\(\$\.(\w+) (=|>=) (?:"([^"]*)"|(\d+))\)$/.exec(term);
    if (!m) throw new Error(`unsupported term ${term}`);
    const [, field, op, text, number] = m;
    const value = line[field as string];
    if (text !== undefined) {
      const glob = new RegExp(
        `^${text
          .split('*')
          .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
      return op === '=' && typeof value === 'string' && glob.test(value);
    }
    if (typeof value !== 'number') return false;
    return op === '=' ? value === Number(number) : value >= Number(number);
  });
}

describe("the patterns against the server's own request log", () => {
  it('count a failed playback start as an error and a refused one as a refusal, and nothing else', async () => {
    const lines = await requestLines();
    const counted = (pattern: string) => lines.filter(({ line }) => matches(pattern, line)).map((l) => l.request);
    expect(lines.map(({ request, line }) => `${request} ${line.status}`)).toEqual([
      'POST /v1/playback/crash 500',
      'POST /v1/playback/busy 409',
      'POST /v1/playback/crowded 409',
      'POST /v1/playback/gone 404',
      'POST /v1/playback/other 500',
      'GET /v1/playback/crash 404',
      'PUT /v1/sessions/AAAAAAAAAAAAAAAA.YWxpY2U 500',
      'POST /v1/playlist/crash 404',
    ]);
    expect(counted(ERRORS)).toEqual(['POST /v1/playback/crash', 'POST /v1/playback/other']);
    // Both limits: the request log carries the status, not the error code.
    expect(counted(REFUSALS)).toEqual(['POST /v1/playback/busy', 'POST /v1/playback/crowded']);
  });
});

describe('session settings', () => {
  it('leaves the server on the SDK defaults: no STREAMCTL_SESSIONS_* variables, and no sessions block in the config', () => {
    for (const region of config.regions) {
      const [server, ...others] = resources(api(region), 'AWS::Lambda::Function');
      expect(others).toEqual([]);
      const variables = ((server as [string, Resource])[1].Properties.Environment as { Variables: object }).Variables;
      expect(Object.keys(variables).filter((name) => name.startsWith('STREAMCTL_SESSIONS_'))).toEqual([]);
    }
    const raw = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
    expect(() => parseInfraConfig({ ...raw, sessions: { maxDevices: 5 } })).toThrow(/Unrecognized key/);
  });
});
