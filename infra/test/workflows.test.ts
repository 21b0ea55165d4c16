/**
 * The media stack's workflows as synthesized, run: the state machine
 * definitions of the template are validated with asl-validator and executed
 * (asl-harness.ts) against the local platform's dynalite; events reach them
 * only through the template's EventBridge rules. The SDK's AWS ingest runs for
 * real against the local platform (S3 on s3rver), with MediaConvert answered by
 * a mock whose every CreateJob is checked against the service's model.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { type LocalPlatform, startLocalPlatform } from '@streamctl/local';
import {
  type AwsClients,
  canTransition,
  createAwsClients,
  createCatalog,
  createIngest,
  createMediaConvertTranscoder,
  type Ingest,
  loadLadder,
  mediaConvertOutputs,
  type TitleStatus,
} from '@streamctl/sdk';
import { resourceNames } from '@streamctl/sdk/config';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelProblems } from '../../test/aws-model.js';
import { mediaConvertRoleName } from '../lib/config.js';
import {
  type Execution,
  eventRules,
  execute,
  matchesPattern,
  type PublishedMessage,
  type RuleOfTemplate,
  stateMachines,
  type TemplateJson,
  UnsupportedAslError,
  validateDefinition,
} from './asl-harness.js';
import { example as config, synthesizedPlatform } from './example.js';

const REGION = 'eu-west-1';
const names = resourceNames(config.stage, REGION);
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

let template: TemplateJson;
let machines: Record<string, { [key: string]: Json }>;
let rules: RuleOfTemplate[];
let local: LocalPlatform;
let clients: AwsClients;
let ingest: Ingest;
const work = mkdtempSync(join(tmpdir(), 'streamctl-workflows-'));
const published: PublishedMessage[] = [];
const executions: Array<{ machine: string; event: Json; run: Execution }> = [];

/** Every CreateJob the SDK sent, as MediaConvert received it, with the job id it was answered with. */
const jobs: Array<{ id: string; request: mediaconvert.CreateJobCommandInput }> = [];
const mc = mockClient(mediaconvert.MediaConvertClient);

/** The Resource of every Task state of a definition, in Map processors too. */
function taskResources(definition: { [key: string]: Json }): string[] {
  return Object.values(definition.States as Record<string, { [key: string]: Json }>).flatMap((state) => [
    ...(state.Type === 'Task' ? [String(state.Resource)] : []),
    ...(state.ItemProcessor ? taskResources(state.ItemProcessor as { [key: string]: Json }) : []),
  ]);
}

/** The workflows an event starts (through the template's rules), each run to its end. */
async function deliver(event: Json): Promise<Array<{ machine: string; run: Execution }>> {
  const started = rules
    .filter((r) => matchesPattern(r.pattern as never, event))
    .flatMap((r) => r.stateMachines.map((machine) => ({ machine, rule: r.id })));
  const out: Array<{ machine: string; run: Execution }> = [];
  for (const { machine } of started) {
    const run = await execute(machines[machine] as never, event, { dynamodb: clients.dynamodb(), published });
    executions.push({ machine, event, run });
    out.push({ machine, run });
  }
  return out;
}

/** An EventBridge "Object Created" event of the raw bucket. */
const objectCreated = (key: string, size: number): Json => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: config.account,
  time: new Date().toISOString(),
  region: REGION,
  resources: [`arn:aws:s3:::${names.rawBucket}`],
  detail: {
    version: '0',
    bucket: { name: names.rawBucket },
    object: { key, size, etag: 'e' },
    'request-id': 'r',
    requester: config.account,
    reason: 'PutObject',
  },
});

/** The EventBridge "MediaConvert Job State Change" event of a submitted job's end. */
function jobEnded(jobId: string, status: 'COMPLETE' | 'ERROR', extra: Record<string, Json> = {}): Json {
  const job = jobs.find((j) => j.id === jobId);
  if (!job) throw new Error(`No job ${jobId} was submitted`);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'MediaConvert Job State Change',
    source: 'aws.mediaconvert',
    account: config.account,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:mediaconvert:${REGION}:${config.account}:jobs/${jobId}`],
    detail: {
      timestamp: Date.now(),
      accountId: config.account,
      queue: `arn:aws:mediaconvert:${REGION}:${config.account}:queues/Default`,
      jobId,
      status,
      userMetadata: (job.request.UserMetadata ?? {}) as Json,
      ...extra,
    },
  };
}

/** A title's METADATA item as stored (attribute-value form). */
async function metadataItem(titleId: string) {
  const out = await clients.dynamodb().send(
    new GetItemCommand({
      TableName: names.catalogTable,
      Key: { PK: { S: `VIDEO#${titleId}` }, SK: { S: 'METADATA' } },
    }),
  );
  if (!out.Item) throw new Error(`No title ${titleId}`);
  return out.Item;
}

/** Every item of a title's partition but the METADATA item. */
async function otherItems(titleId: string) {
  const out = await clients.dynamodb().send(
    new QueryCommand({
      TableName: names.catalogTable,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: `VIDEO#${titleId}` } },
    }),
  );
  return (out.Items ?? []).filter((i) => i.SK?.S !== 'METADATA');
}

const statusOf = async (titleId: string) => (await metadataItem(titleId)).status?.S as TitleStatus;

/** The statuses a title went through, read after each step; each change must be an edge of the lifecycle. */
const history = new Map<string, TitleStatus[]>();
async function observe(titleId: string): Promise<TitleStatus> {
  const status = await statusOf(titleId);
  const seen = history.get(titleId) ?? [];
  if (seen.at(-1) !== status) seen.push(status);
  history.set(titleId, seen);
  return status;
}

/** A title's METADATA with what varies by time or id taken out, for comparing two records. */
async function recordOf(titleId: string) {
  const { updatedAt, ...rest } = await metadataItem(titleId);
  expect(updatedAt?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
  return JSON.parse(JSON.stringify(rest).replaceAll(`titles/${titleId}/`, 'titles/<id>/'));
}

const master = join(work, 'film.mp4');
const sidecar = join(work, 'film.en.vtt');

beforeAll(async () => {
  // The app's media stack of one Region, as synthesized (bundling is not needed for templates).
  const stacks = await synthesizedPlatform(config);
  const media = stacks.regions[REGION]?.media;
  if (!media) throw new Error(`No media stack in ${REGION}`);
  template = Template.fromStack(media).toJSON() as TemplateJson;
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': config.account,
  };
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::SNS::Topic') refs[id] = `arn:aws:sns:${REGION}:${config.account}:${id}`;
  }
  machines = stateMachines(template, refs);
  rules = eventRules(template);

  // The local platform with the example stage's resource names: the definitions name its catalog table.
  local = await startLocalPlatform({ dataDir: join(work, 'platform'), region: REGION, resources: names });
  clients = createAwsClients(local.config);
  mc.on(mediaconvert.CreateJobCommand).callsFake(async (input: mediaconvert.CreateJobCommandInput) => {
    // Every request the SDK sends must be one the service's own model accepts.
    expect(modelProblems(input, mediaconvert.CreateJobRequest$)).toEqual([]);
    // The title's status while its job is submitted (UPLOADING), for the history of statuses.
    await observe(String(input.UserMetadata?.titleId));
    const id = `${Date.now()}-job${jobs.length + 1}`;
    jobs.push({ id, request: input });
    return {
      Job: {
        Id: id,
        Role: input.Role,
        Settings: input.Settings,
        UserMetadata: input.UserMetadata,
        Status: 'SUBMITTED',
        CreatedAt: new Date(),
      },
    };
  });
  mc.on(mediaconvert.GetJobCommand).callsFake(async ({ Id }: { Id: string }) => {
    const job = jobs.find((j) => j.id === Id);
    if (!job) throw new mediaconvert.NotFoundException({ message: `Job ${Id}`, $metadata: {} });
    // The title's status while ingest --wait follows the job (TRANSCODING).
    await observe(String(job.request.UserMetadata?.titleId));
    return {
      Job: {
        Id,
        Role: job.request.Role,
        Settings: job.request.Settings,
        UserMetadata: job.request.UserMetadata,
        Status: 'COMPLETE',
      },
    };
  });
  const transcoder = createMediaConvertTranscoder({
    client: () => new mediaconvert.MediaConvertClient({ region: REGION }),
    role: `arn:aws:iam::${config.account}:role/${mediaConvertRoleName(config, REGION)}`,
    stage: config.stage,
  });
  ingest = createIngest({ config: local.config, clients, transcoder, wait: { pollMs: 10 } });

  if (hasFfmpeg) {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', master],
    ]);
    writeFileSync(sidecar, 'WEBVTT\n\n00:00.000 --> 00:01.500\nHello\n');
  }
}, 180_000);

afterAll(async () => {
  mc.restore();
  clients?.destroy();
  await local?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the synthesized workflows', () => {
  it('are valid ASL, call only DynamoDB and SNS (no workflow starts a transcode), and one rule starts them', () => {
    expect(Object.keys(machines)).toHaveLength(1);
    for (const definition of Object.values(machines)) {
      expect(validateDefinition(definition)).toEqual([]);
      expect(new Set(taskResources(definition))).toEqual(
        new Set([
          'arn:aws:states:::dynamodb:updateItem',
          'arn:aws:states:::aws-sdk:dynamodb:query',
          'arn:aws:states:::dynamodb:deleteItem',
          'arn:aws:states:::dynamodb:putItem',
          'arn:aws:states:::sns:publish',
        ]),
      );
    }
    expect(rules).toHaveLength(1);
    expect(rules[0]?.pattern).toMatchObject({ source: ['aws.mediaconvert'] });
  });

  it('every status write is conditional on the lifecycle table and on the job the title recorded', () => {
    for (const definition of Object.values(machines)) {
      const writes = Object.values(
        definition.States as Record<string, { Resource?: string; Parameters?: Record<string, unknown> }>,
      ).filter((s) => s.Resource?.endsWith(':dynamodb:updateItem'));
      expect(writes.length).toBeGreaterThan(0);
      for (const write of writes) {
        expect(write.Parameters?.ConditionExpression).toMatch(
          /^attribute_exists\(PK\) AND \(#s IN \(.+\)\) AND #src\.jobId = :job$/,
        );
      }
    }
  });

  it('the harness refuses what it does not implement instead of skipping it', async () => {
    const services = { dynamodb: clients.dynamodb(), published: [] };
    await expect(
      execute({ StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [], End: true } } }, {}, services),
    ).rejects.toThrow(UnsupportedAslError);
    await expect(
      execute(
        {
          StartAt: 'M',
          States: {
            M: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } }, End: true },
          },
        },
        [],
        services,
      ),
    ).rejects.toThrow(/DISTRIBUTED/);
    await expect(
      execute(
        { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'x.$': 'States.UUID()' }, End: true } } },
        {},
        services,
      ),
    ).rejects.toThrow(/States\.UUID/);
    expect(() => matchesPattern({ a: [{ 'anything-but': 'x' }] }, { a: 'y' })).toThrow(UnsupportedAslError);
  });
});

// Each ingest probes, uploads and (with --wait) follows: seconds on a busy machine.
describe.skipIf(!hasFfmpeg)('one owner of the ingest pipeline', { timeout: 60_000 }, () => {
  let titleId: string;
  let firstJob: string;

  it('a normal ingest: uploads start nothing, one CreateJob, and the job end makes the title READY with its manifests', async () => {
    titleId = `film-${randomUUID().slice(0, 8)}`;
    const before = jobs.length;
    const result = await ingest.run({ file: master, titleId, captions: [{ language: 'en', file: sidecar }] });
    expect(result.status).toBe('TRANSCODING');
    expect(await observe(titleId)).toBe('TRANSCODING');
    // Exactly one job for the ingest, and it is the one the title recorded.
    expect(jobs.length - before).toBe(1);
    firstJob = jobs.at(-1)?.id as string;
    expect(result.jobId).toBe(firstJob);
    expect((await metadataItem(titleId)).source?.M?.jobId?.S).toBe(firstJob);
    const metadata = jobs.at(-1)?.request.UserMetadata ?? {};
    expect(metadata).toMatchObject({ stage: config.stage, titleId, captions: 'en' });

    // Every object the SDK uploaded (the master and its caption sidecar, the inputs of its job): no rule starts anything.
    const settings = jobs.at(-1)?.request.Settings;
    const inputs = [
      settings?.Inputs?.[0]?.FileInput,
      ...Object.values(settings?.Inputs?.[0]?.CaptionSelectors ?? {}).map(
        (c) => c.SourceSettings?.FileSourceSettings?.SourceFile,
      ),
    ];
    const uploads = inputs.map((uri) => {
      const key = String(uri).replace(`s3://${names.rawBucket}/`, '');
      return { key, size: statSync(key.endsWith('.vtt') ? sidecar : master).size };
    });
    expect(uploads.map((u) => u.key)).toEqual([
      expect.stringMatching(new RegExp(`^masters/${titleId}/[0-9a-f]+/film\\.mp4$`)),
      expect.stringMatching(new RegExp(`^masters/${titleId}/[0-9a-f]+/captions/1_en\\.vtt$`)),
    ]);
    for (const upload of uploads) expect(await deliver(objectCreated(upload.key, upload.size))).toEqual([]);
    expect(jobs.length - before).toBe(1);

    // The job's end, as MediaConvert reports it from the job's own metadata.
    const [run, ...more] = await deliver(jobEnded(firstJob, 'COMPLETE'));
    expect(more).toEqual([]);
    expect(run?.run).toMatchObject({ status: 'SUCCEEDED' });
    expect(run?.run.path).toContain('MarkReady');
    expect(await observe(titleId)).toBe('READY');
    const title = await createCatalog(clients, names).getTitle(titleId);
    const ladder = await loadLadder('default');
    const outputs = mediaConvertOutputs(ladder, { Role: '', Settings: {}, UserMetadata: metadata });
    expect(title.manifests).toEqual({
      hls: `titles/${titleId}/${outputs.hls}`,
      dash: `titles/${titleId}/${outputs.dash}`,
    });
    const captions = outputs.tracks?.captions ?? [];
    expect(captions.map((c) => c.language)).toEqual(['en']);
    expect(title.tracks?.captions).toEqual(
      captions.map((c) => ({ ...c, playlist: `titles/${titleId}/${c.playlist}` })),
    );
    expect(title.images?.poster).toBe(`titles/${titleId}/thumbnails/master_poster.0000000.jpg`);
    expect(title.statusReason).toBeUndefined();
    // The end is announced once, with the job's event.
    expect(published.filter((p) => (p.message as { jobId?: string }).jobId === firstJob)).toHaveLength(1);
  });

  it('a caption sidecar uploaded on its own starts nothing', async () => {
    const event = objectCreated(`masters/${titleId}/0123456789abcdef/captions/2_fr.vtt`, 40);
    expect(await deliver(event)).toEqual([]);
    // And a job of another stage, or one without the record, is not this stage's to record.
    const other = jobEnded(firstJob, 'COMPLETE') as { detail: { userMetadata: Record<string, string> } };
    expect(
      await deliver({
        ...other,
        detail: { ...other.detail, userMetadata: { ...other.detail.userMetadata, stage: 'staging' } },
      }),
    ).toEqual([]);
    const { record: _, ...noRecord } = other.detail.userMetadata;
    expect(await deliver({ ...other, detail: { ...other.detail, userMetadata: noRecord } })).toEqual([]);
  });

  it('a duplicate COMPLETE event records the same READY again and succeeds; nothing moves backwards', async () => {
    const first = await recordOf(titleId);
    const renditions = await otherItems(titleId);
    const [again] = await deliver(jobEnded(firstJob, 'COMPLETE'));
    expect(again?.run.status).toBe('SUCCEEDED');
    expect(await observe(titleId)).toBe('READY');
    expect(await recordOf(titleId)).toEqual(first);
    expect(await otherItems(titleId)).toEqual(renditions);
  });

  it('an ERROR event after READY changes nothing: the execution ends stale and succeeds', async () => {
    const before = await recordOf(titleId);
    const [failed] = await deliver(jobEnded(firstJob, 'ERROR', { errorCode: 1030, errorMessage: 'Video codec error' }));
    expect(failed?.run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'stale', jobId: firstJob } });
    expect(failed?.run.path).toEqual(['JobOutcome', 'MarkFailed', 'StaleEvent', 'EventWasStale']);
    expect(await observe(titleId)).toBe('READY');
    expect(await recordOf(titleId)).toEqual(before);
  });

  it('a late COMPLETE event after the title was published leaves it PUBLISHED', async () => {
    const catalog = createCatalog(clients, names);
    await catalog.publishTitle(titleId, { countries: ['US', 'GB'] });
    expect(await observe(titleId)).toBe('PUBLISHED');
    const before = await recordOf(titleId);
    const availability = await otherItems(titleId);
    const [late] = await deliver(jobEnded(firstJob, 'COMPLETE'));
    expect(late?.run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'stale' } });
    expect(late?.run.path.at(-1)).toBe('EventWasStale');
    expect(await observe(titleId)).toBe('PUBLISHED');
    expect(await recordOf(titleId)).toEqual(before);
    expect(await otherItems(titleId)).toEqual(availability);
  });

  it('re-ingested with another ladder and protection: the old job is stale, the new job records its own outputs', async () => {
    const before = jobs.length;
    const result = await ingest.run({ file: master, titleId, ladder: 'mobile', protection: 'aes-128' });
    expect(result.status).toBe('TRANSCODING');
    expect(await observe(titleId)).toBe('TRANSCODING');
    expect(jobs.length - before).toBe(1);
    const newJob = jobs.at(-1)?.id as string;
    expect(jobs.at(-1)?.request.UserMetadata).toMatchObject({
      ladder: 'mobile',
      protection: 'aes-128',
      stage: config.stage,
    });

    // The first job's end, heard late: the title is TRANSCODING, but for another job.
    const [old] = await deliver(jobEnded(firstJob, 'COMPLETE'));
    expect(old?.run.path.at(-1)).toBe('EventWasStale');
    expect(await observe(titleId)).toBe('TRANSCODING');

    // A rendition the new job does not write (as an earlier, bigger ladder leaves): recording the new job removes it.
    await clients.dynamodb().send(
      new PutItemCommand({
        TableName: names.catalogTable,
        Item: {
          PK: { S: `VIDEO#${titleId}` },
          SK: { S: 'RENDITION#4320p' },
          name: { S: '4320p' },
          width: { N: '7680' },
          height: { N: '4320' },
          bandwidth: { N: '40000000' },
          playlist: { S: `titles/${titleId}/cmaf/master_4320p.m3u8` },
        },
      }),
    );
    const [done] = await deliver(jobEnded(newJob, 'COMPLETE'));
    expect(done?.run.path).toContain('MarkReadyProtected');
    expect(await observe(titleId)).toBe('READY');
    const title = await createCatalog(clients, names).getTitle(titleId);
    // What the mobile aes-128 job writes (an HLS group, no DASH), not what the stage's default ladder would.
    expect(title.manifests).toEqual({ hls: `titles/${titleId}/hls/master.m3u8` });
    expect(title.protection).toEqual({ scheme: 'aes-128' });
    const written = JSON.parse(jobs.at(-1)?.request.UserMetadata?.record ?? '{}').keep as string[];
    expect(written.length).toBeGreaterThan(0);
    const renditionKeys = (await otherItems(titleId))
      .map((i) => String(i.SK?.S))
      .filter((k) => k.startsWith('RENDITION#'));
    expect(renditionKeys.sort()).toEqual([...written].sort());
    expect(title.renditions.every((r) => r.playlist.startsWith(`titles/${titleId}/hls/`))).toBe(true);
  });

  it('an ERROR event of the title latest job makes it FAILED with the reason', async () => {
    const failing = `failing-${randomUUID().slice(0, 8)}`;
    await ingest.run({ file: master, titleId: failing });
    expect(await observe(failing)).toBe('TRANSCODING');
    const [run] = await deliver(
      jobEnded(jobs.at(-1)?.id as string, 'ERROR', { errorCode: 1030, errorMessage: 'Video codec error' }),
    );
    expect(run?.run.path).toEqual(['JobOutcome', 'MarkFailed', 'NotifyJobEnded', 'Recorded']);
    expect(await observe(failing)).toBe('FAILED');
    expect((await metadataItem(failing)).statusReason?.S).toBe('Video codec error');
  });

  it("the workflow's READY record is the one the SDK's ingest --wait records for the same job", async () => {
    const followed = `followed-${randomUUID().slice(0, 8)}`;
    const result = await ingest.run({
      file: master,
      titleId: followed,
      captions: [{ language: 'en', file: sidecar }],
      wait: true,
    });
    expect(result.status).toBe('READY');
    expect(await observe(followed)).toBe('READY');
    const bySdk = await recordOf(followed);
    const renditions = await otherItems(followed);
    // The same job's end reaches the workflow too (ingest followed it; EventBridge tells the workflow).
    const [run] = await deliver(jobEnded(result.jobId as string, 'COMPLETE'));
    expect(run?.run.path).toContain('MarkReady');
    expect(await recordOf(followed)).toEqual(bySdk);
    expect(await otherItems(followed)).toEqual(renditions);
    // A title ingested alike but not followed: the workflow alone records it, with the same attributes.
    const unfollowed = `unfollowed-${randomUUID().slice(0, 8)}`;
    const submitted = await ingest.run({
      file: master,
      titleId: unfollowed,
      captions: [{ language: 'en', file: sidecar }],
    });
    expect(await observe(unfollowed)).toBe('TRANSCODING');
    await deliver(jobEnded(submitted.jobId as string, 'COMPLETE'));
    expect(await observe(unfollowed)).toBe('READY');
    const recorded = ['status', 'manifests', 'images', 'tracks', 'protection', 'statusReason'];
    const pick = (item: Record<string, unknown>) => Object.fromEntries(recorded.map((k) => [k, item[k]]));
    expect(pick(await recordOf(unfollowed))).toEqual(pick(bySdk));
    // Its renditions too: the same items, key for key, as ingest --wait wrote for its twin.
    const anonymous = async (id: string) =>
      JSON.parse(JSON.stringify(await otherItems(id)).replaceAll(id, '<id>')) as unknown[];
    expect(await anonymous(unfollowed)).toEqual(await anonymous(followed));
    expect((await anonymous(followed)).length).toBeGreaterThan(0);
    expect(pick(bySdk).manifests).toBeDefined();
    expect(pick(bySdk).tracks).toBeDefined();
  });

  it('statuses only ever moved along the lifecycle table, and every execution succeeded', () => {
    expect(history.size).toBeGreaterThan(0);
    for (const [id, statuses] of history) {
      for (let i = 1; i < statuses.length; i++) {
        expect(
          canTransition(statuses[i - 1] as TitleStatus, statuses[i] as TitleStatus),
          `${id}: ${statuses.join(' → ')}`,
        ).toBe(true);
      }
    }
    expect(executions.length).toBeGreaterThan(0);
    expect(executions.filter((e) => e.run.status !== 'SUCCEEDED')).toEqual([]);
  });
});
