/**
 * Rotation on AWS against mocked CloudFront and Secrets Manager (neither has
 * an emulator here). The mocks keep state like the services do (a key group
 * with an ETag that changes on each update and a name no second group may
 * take, a secret with versions, staging labels and replicas), and every
 * request sent is checked against the client's own model.
 */
import * as cloudfront from '@aws-sdk/client-cloudfront';
import {
  CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeletePublicKeyCommand,
  GetDistributionCommand,
  GetKeyGroupCommand,
  GetPublicKeyCommand,
  ListDistributionsByKeyGroupCommand,
  UpdateKeyGroupCommand,
} from '@aws-sdk/client-cloudfront';
import * as secrets from '@aws-sdk/client-secrets-manager';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { modelProblems } from '../../../../test/aws-model.js';
import { resolveConfig } from '../config/index.js';
import { longestGrantSeconds } from '../playback/index.js';
import { awsKeyBackend, createStageKeys, type KeyBackend, parseSigningKeySet, rotateKeys } from './index.js';

const cf = mockClient(CloudFrontClient);
const sm = mockClient(SecretsManagerClient);
afterAll(() => {
  cf.restore();
  sm.restore();
});

const SECRET = 'streamctl/prod/cloudfront-signing';
const GROUP = 'b7b9c3f5-0000-4e1a-9d4c-2f0f5d2a1e11';
const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const T0 = Date.parse('2026-12-01T00:00:00Z');

/** One version of the secret and the staging labels attached to it. */
interface SecretVersion {
  text: string;
  stages: string[];
}

/** The services' state, as the mocks keep it. */
interface World {
  /** The secret's versions by ID. */
  versions: Map<string, SecretVersion>;
  /** The AWSCURRENT value; setting it is a hand edit in the console (a new version, current at once). */
  secret: string | undefined;
  replicas: string[];
  group: { items: string[]; etag: number; name: string } | undefined;
  publicKeys: Map<string, string>;
  distribution: 'Deployed' | 'InProgress';
  /** UpdateKeyGroup calls to answer PreconditionFailed before one succeeds. */
  races: number;
  denied: Set<string>;
  /** When set, GetSecretValue answers no caller until this many have asked: operators reading at once. */
  readersTogether?: number;
}

/** Attaches `stages` to version `id` (made with `text` when new), taking them off any other version, as the service does. */
function attach(versions: Map<string, SecretVersion>, id: string, stages: string[], text?: string): void {
  if (!versions.has(id)) versions.set(id, { text: text as string, stages: [] });
  for (const stage of stages) {
    const holder = [...versions.entries()].find(([, v]) => v.stages.includes(stage))?.[0];
    if (holder === id) continue;
    if (holder !== undefined) {
      const from = versions.get(holder) as SecretVersion;
      from.stages = from.stages.filter((s) => s !== stage);
      // Moving AWSCURRENT moves AWSPREVIOUS to the version it left.
      if (stage === 'AWSCURRENT') attach(versions, holder, ['AWSPREVIOUS']);
    }
    versions.get(id)?.stages.push(stage);
  }
}

const currentOf = (versions: Map<string, SecretVersion>) =>
  [...versions.entries()].find(([, v]) => v.stages.includes('AWSCURRENT'));

function newWorld(): World {
  const versions = new Map<string, SecretVersion>();
  let handEdits = 0;
  return {
    versions,
    get secret() {
      return currentOf(versions)?.[1].text;
    },
    set secret(text: string | undefined) {
      if (text === undefined) throw new Error('a secret cannot be set to nothing');
      attach(versions, `hand-edit-${String(++handEdits).padStart(27, '0')}`, ['AWSCURRENT'], text);
    },
    replicas: [],
    group: undefined,
    publicKeys: new Map(),
    distribution: 'Deployed',
    races: 0,
    denied: new Set(),
  };
}

let world: World;
let keyCounter = 0;
/** Callers of GetSecretValue held until `world.readersTogether` of them have asked. */
let waitingReaders: Array<() => void> = [];

const denied = (op: string) =>
  Object.assign(new Error(`User is not authorized to perform ${op}`), { name: 'AccessDenied' });

const notFound = () =>
  new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });

function install(): void {
  cf.reset();
  sm.reset();
  sm.on(GetSecretValueCommand).callsFake(async () => {
    if (world.readersTogether !== undefined) {
      await new Promise<void>((resolve) => {
        waitingReaders.push(resolve);
        if (waitingReaders.length >= (world.readersTogether as number)) {
          for (const release of waitingReaders.splice(0)) release();
          world.readersTogether = undefined;
        }
      });
    }
    const current = currentOf(world.versions);
    if (!current) throw notFound();
    return { SecretString: current[1].text, VersionId: current[0], VersionStages: [...current[1].stages] };
  });
  sm.on(CreateSecretCommand).callsFake((input) => {
    if (world.versions.size > 0)
      throw new ResourceExistsException({
        message: `The operation failed because the secret ${input.Name} already exists.`,
        $metadata: {},
      });
    attach(world.versions, input.ClientRequestToken ?? 'first-version', ['AWSCURRENT'], input.SecretString);
    world.replicas = (input.AddReplicaRegions ?? []).map((r: { Region: string }) => r.Region);
    return { Name: input.Name, VersionId: input.ClientRequestToken };
  });
  sm.on(PutSecretValueCommand).callsFake((input) => {
    if (world.denied.has('PutSecretValue')) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    if (world.versions.size === 0) throw notFound();
    const id = input.ClientRequestToken as string;
    const existing = world.versions.get(id);
    // The token is the version's ID: the same request again is a no-op, another value under it a refusal.
    if (existing && existing.text !== input.SecretString)
      throw new ResourceExistsException({ message: 'A version with this ID already exists.', $metadata: {} });
    attach(world.versions, id, input.VersionStages ?? ['AWSCURRENT'], input.SecretString);
    return { VersionId: id, VersionStages: [...(world.versions.get(id)?.stages ?? [])] };
  });
  sm.on(UpdateSecretVersionStageCommand).callsFake((input) => {
    const move = input.MoveToVersionId as string;
    if (!world.versions.has(move)) throw notFound();
    const holder = [...world.versions.entries()].find(([, v]) => v.stages.includes(input.VersionStage))?.[0];
    // The label is on another version than the one named to take it from: refused, nothing moves.
    if (holder !== undefined && holder !== move && holder !== input.RemoveFromVersionId)
      throw new InvalidRequestException({
        message: `The staging label ${input.VersionStage} is attached to version ${holder}, not ${input.RemoveFromVersionId}.`,
        $metadata: {},
      });
    attach(world.versions, move, [input.VersionStage]);
    return { Name: input.SecretId, ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${input.SecretId}` };
  });
  sm.on(DescribeSecretCommand).callsFake(() => ({
    ReplicationStatus: world.replicas.map((Region) => ({ Region, Status: 'InSync' })),
    VersionIdsToStages: Object.fromEntries([...world.versions].map(([id, v]) => [id, [...v.stages]])),
  }));
  sm.on(ReplicateSecretToRegionsCommand).callsFake((input) => {
    world.replicas.push(...input.AddReplicaRegions.map((r: { Region: string }) => r.Region));
    return {};
  });
  cf.on(CreatePublicKeyCommand).callsFake((input) => {
    if (world.denied.has('CreatePublicKey')) throw denied('cloudfront:CreatePublicKey');
    const id = `K${String(++keyCounter).padStart(13, '0')}`;
    world.publicKeys.set(id, input.PublicKeyConfig.EncodedKey);
    return { PublicKey: { Id: id }, ETag: 'E1' };
  });
  cf.on(CreateKeyGroupCommand).callsFake((input) => {
    if (world.group?.name === input.KeyGroupConfig.Name)
      throw Object.assign(new Error('A key group with this name already exists.'), { name: 'KeyGroupAlreadyExists' });
    world.group = { items: [...input.KeyGroupConfig.Items], etag: 1, name: input.KeyGroupConfig.Name };
    return { KeyGroup: { Id: GROUP }, ETag: 'E1' };
  });
  cf.on(GetKeyGroupCommand).callsFake((input) => {
    if (!world.group || input.Id !== GROUP)
      throw Object.assign(new Error('The specified key group does not exist.'), { name: 'NoSuchResource' });
    return {
      KeyGroup: { Id: GROUP, KeyGroupConfig: { Name: world.group.name, Items: [...world.group.items] } },
      ETag: `E${world.group.etag}`,
    };
  });
  cf.on(UpdateKeyGroupCommand).callsFake((input) => {
    if (!world.group) throw Object.assign(new Error('no group'), { name: 'NoSuchResource' });
    if (world.races > 0) {
      // Another operator's update lands between our read and our write.
      world.races -= 1;
      world.group.etag += 1;
    }
    if (input.IfMatch !== `E${world.group.etag}`)
      throw Object.assign(
        new Error('The precondition given in one or more of the request-header fields evaluated to false.'),
        {
          name: 'PreconditionFailed',
        },
      );
    world.group.items = [...input.KeyGroupConfig.Items];
    world.group.etag += 1;
    world.distribution = 'InProgress';
    return { KeyGroup: { Id: GROUP }, ETag: `E${world.group.etag}` };
  });
  cf.on(ListDistributionsByKeyGroupCommand).callsFake(() => ({
    DistributionIdList: { Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 1, Items: [DISTRIBUTION] },
  }));
  cf.on(GetDistributionCommand).callsFake(() => ({ Distribution: { Id: DISTRIBUTION, Status: world.distribution } }));
  cf.on(GetPublicKeyCommand).callsFake((input) => {
    if (!world.publicKeys.has(input.Id)) throw Object.assign(new Error('gone'), { name: 'NoSuchPublicKey' });
    return { PublicKey: { Id: input.Id }, ETag: `P-${input.Id}` };
  });
  cf.on(DeletePublicKeyCommand).callsFake((input) => {
    if (!world.publicKeys.has(input.Id)) throw Object.assign(new Error('gone'), { name: 'NoSuchPublicKey' });
    if (world.group?.items.includes(input.Id)) throw Object.assign(new Error('in use'), { name: 'PublicKeyInUse' });
    if (input.IfMatch !== `P-${input.Id}`) throw Object.assign(new Error('etag'), { name: 'PreconditionFailed' });
    world.publicKeys.delete(input.Id);
    return {};
  });
}

/** Every request sent so far, against the client's own model. */
function problems(): string[] {
  const found: string[] = [];
  const schemas: Record<string, unknown> = {
    CreatePublicKeyCommand: cloudfront.CreatePublicKeyRequest$,
    CreateKeyGroupCommand: cloudfront.CreateKeyGroupRequest$,
    GetKeyGroupCommand: cloudfront.GetKeyGroupRequest$,
    UpdateKeyGroupCommand: cloudfront.UpdateKeyGroupRequest$,
    ListDistributionsByKeyGroupCommand: cloudfront.ListDistributionsByKeyGroupRequest$,
    GetDistributionCommand: cloudfront.GetDistributionRequest$,
    GetPublicKeyCommand: cloudfront.GetPublicKeyRequest$,
    DeletePublicKeyCommand: cloudfront.DeletePublicKeyRequest$,
    GetSecretValueCommand: secrets.GetSecretValueRequest$,
    CreateSecretCommand: secrets.CreateSecretRequest$,
    PutSecretValueCommand: secrets.PutSecretValueRequest$,
    DescribeSecretCommand: secrets.DescribeSecretRequest$,
    ReplicateSecretToRegionsCommand: secrets.ReplicateSecretToRegionsRequest$,
    UpdateSecretVersionStageCommand: secrets.UpdateSecretVersionStageRequest$,
  };
  for (const call of [...cf.calls(), ...sm.calls()]) {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    const schema = schemas[command.constructor.name];
    if (!schema) found.push(`${command.constructor.name}: not expected`);
    else found.push(...modelProblems(command.input, schema).map((p) => `${command.constructor.name}${p}`));
  }
  return found;
}

const names = (client: typeof cf | typeof sm) =>
  client.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));

/** The AWS backend over the mocks; `settle` is the margin after publishing (0: switch once deployed). */
function backend(settle = 0): KeyBackend {
  return awsKeyBackend({
    keyGroupSettleSeconds: settle,
    stage: 'prod',
    regions: ['us-east-1', 'eu-west-1'],
    cloudFront: () => new CloudFrontClient({ region: 'us-east-1' }),
    secretsManager: async () => new SecretsManagerClient({ region: 'us-east-1' }),
    signerCacheSeconds: 300,
  });
}

const stored = () => parseSigningKeySet(world.secret as string, 'test');

beforeEach(() => {
  keyCounter = 0;
  waitingReaders = [];
  world = newWorld();
  install();
});

describe('keys on AWS', () => {
  it('a stage without a secret: the first rotation makes a key, a key group and the secret replicated to every Region', async () => {
    const result = await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    expect(result).toMatchObject({ created: true, keyGroupId: GROUP, activated: 'K0000000000001', retired: [] });
    expect(names(cf)).toEqual(['CreatePublicKey', 'CreateKeyGroup']);
    expect(names(sm)).toEqual(['GetSecretValue', 'CreateSecret']);
    expect(world.group?.items).toEqual(['K0000000000001']);
    expect(world.group?.name).toBe('streamctl-prod-signing');
    expect(world.replicas).toEqual(['eu-west-1']);
    const set = stored();
    expect(set).toMatchObject({ keyGroupId: GROUP, active: 'K0000000000001' });
    // The public key CloudFront got is the stored private key's.
    const { publicKeyPem } = await import('./index.js');
    expect(world.publicKeys.get('K0000000000001')).toBe(publicKeyPem(set.keys[0]?.privateKey ?? ''));
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input.Name).toBe(SECRET);
    expect(problems()).toEqual([]);
  });

  it('rotates: publishes a pending key, switches after the settle time and the deployment, holds the old key, retires it later', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    install();
    let clock = T0 + 86_400_000;
    const polls: number[] = [];
    const result = await rotateKeys(backend(60), {
      longestGrantSeconds: longestGrantSeconds(300),
      now: () => clock,
      pollMs: 10_000,
      sleep: async (ms) => {
        polls.push(ms);
        clock += ms;
        // The distribution finishes deploying the key group change after 80 s: 20 s past the settle time.
        if (polls.length === 8) world.distribution = 'Deployed';
      },
    });
    expect(polls).toHaveLength(8);
    expect(result).toMatchObject({
      created: false,
      added: 'K0000000000002',
      activated: 'K0000000000002',
      retiring: { keyPairId: 'K0000000000001', retireAfter: new Date(clock + (360 + 300) * 1000).toISOString() },
    });
    // Nothing is asked of the distributions before the settle time; then until they are deployed.
    expect(names(cf)).toEqual([
      'CreatePublicKey',
      'GetKeyGroup',
      'UpdateKeyGroup',
      'ListDistributionsByKeyGroup',
      'GetDistribution',
      'ListDistributionsByKeyGroup',
      'GetDistribution',
      'ListDistributionsByKeyGroup',
      'GetDistribution',
    ]);
    // The new key is stored (pending) before the group trusts it, then made active.
    const puts = sm
      .commandCalls(PutSecretValueCommand)
      .map((c) => parseSigningKeySet(c.args[0].input.SecretString ?? '', 'put'));
    expect(puts.map((s) => s.active)).toEqual(['K0000000000001', 'K0000000000002']);
    expect(puts[0]?.keys.map((k) => k.keyPairId)).toEqual(['K0000000000001', 'K0000000000002']);
    expect(world.group?.items).toEqual(['K0000000000001', 'K0000000000002']);
    expect(sm.commandCalls(UpdateKeyGroupCommand as never)).toHaveLength(0);
    expect(cf.commandCalls(UpdateKeyGroupCommand)[0]?.args[0].input).toMatchObject({ Id: GROUP, IfMatch: 'E1' });
    expect(problems()).toEqual([]);

    // Before retireAfter: nothing leaves. After it: out of the group, deleted, dropped from the secret.
    const retireAt = Date.parse(result.retiring?.retireAfter ?? '');
    install();
    expect(
      (await createStageKeys(await prodConfig(), { backend: backend() }).retire({ now: () => retireAt - 1 })).retired,
    ).toEqual([]);
    const done = await createStageKeys(await prodConfig(), { backend: backend() }).retire({ now: () => retireAt });
    expect(done.retired).toEqual(['K0000000000001']);
    expect(world.group?.items).toEqual(['K0000000000002']);
    expect([...world.publicKeys.keys()]).toEqual(['K0000000000002']);
    expect(stored().keys.map((k) => k.keyPairId)).toEqual(['K0000000000002']);
    expect(cf.commandCalls(DeletePublicKeyCommand)[0]?.args[0].input).toEqual({
      Id: 'K0000000000001',
      IfMatch: 'P-K0000000000001',
    });
    expect(problems()).toEqual([]);
  });

  it('without waiting the key stays pending and signs nothing; the next run finishes it without a second key', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    const first = await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 + 1000, wait: false });
    expect(first).toMatchObject({ added: 'K0000000000002', pending: 'K0000000000002' });
    expect(first.activated).toBeUndefined();
    expect(stored().active).toBe('K0000000000001');
    world.distribution = 'Deployed';
    const second = await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 + 2000, wait: false });
    expect(second).toMatchObject({ activated: 'K0000000000002' });
    expect(second.added).toBeUndefined();
    expect(world.publicKeys.size).toBe(2);
    expect(stored().active).toBe('K0000000000002');
  });

  it('an ETag race is retried with a fresh read; a race that keeps losing is a CONFLICT that says to run again', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    world.races = 1;
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 + 1000, wait: false });
    expect(cf.commandCalls(GetKeyGroupCommand)).toHaveLength(2);
    expect(world.group?.items).toHaveLength(2);
    world.races = 5;
    await expect(
      rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 + 2000, wait: false }),
    ).resolves.toMatchObject({
      pending: 'K0000000000002',
    });
    // The key was in the group already: no update needed, no race to lose. A new key's update is.
    world.secret = JSON.stringify({ ...stored(), keys: stored().keys.filter((k) => k.keyPairId !== 'K0000000000002') });
    await expect(
      rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 + 3000, wait: false }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      hint: expect.stringContaining('streamctl keys rotate'),
    });
  });

  it('a secret of the old shape names no key group: refused with the flag to pass; with it, the group is adopted', async () => {
    const { generateSigningKeyPair } = await import('./index.js');
    world.secret = JSON.stringify({ keyPairId: 'KOLDHANDMADE1', privateKey: generateSigningKeyPair().privateKey });
    world.replicas = ['eu-west-1'];
    await expect(rotateKeys(backend(), { longestGrantSeconds: 360 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringContaining('--key-group'),
    });
    expect(names(cf)).toEqual([]);
    // A key group id that does not exist is named as such.
    await expect(
      rotateKeys(backend(), { longestGrantSeconds: 360, keyGroupId: 'no-such-group', wait: false }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: expect.stringContaining('no-such-group') });
    world.group = { items: ['KOLDHANDMADE1'], etag: 7, name: 'made-by-hand' };
    const adopted = await rotateKeys(backend(), { longestGrantSeconds: 360, keyGroupId: GROUP, wait: false });
    expect(adopted).toMatchObject({ keyGroupId: GROUP });
    expect(stored().keyGroupId).toBe(GROUP);
    expect(world.group.items).toHaveLength(2);
  });

  it('an existing secret missing a Region gets its replica; a refused call is FORBIDDEN naming the permissions', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    world.replicas = [];
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 + 1000, wait: false });
    expect(world.replicas).toEqual(['eu-west-1']);
    expect(sm.commandCalls(ReplicateSecretToRegionsCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET,
      AddReplicaRegions: [{ Region: 'eu-west-1' }],
    });
    world.denied.add('CreatePublicKey');
    world.secret = JSON.stringify({ ...stored(), keys: stored().keys.filter((k) => k.keyPairId === stored().active) });
    await expect(rotateKeys(backend(), { longestGrantSeconds: 360, wait: false })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('cloudfront:CreatePublicKey'),
      hint: expect.stringContaining('cloudfront:UpdateKeyGroup'),
    });
    world.denied = new Set(['PutSecretValue']);
    await expect(rotateKeys(backend(), { longestGrantSeconds: 360, wait: false })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('secretsmanager:PutSecretValue'),
    });
    expect(problems()).toEqual([]);
  });

  it('two operators rotating at once: one wins, the other gets CONFLICT and withdraws its key; one active key, none lost', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    const first = stored().active;
    install();
    // Both read the secret before either writes.
    world.readersTogether = 2;
    world.distribution = 'InProgress';
    const clock = T0 + 86_400_000;
    const rotate = () =>
      rotateKeys(backend(), {
        longestGrantSeconds: 360,
        now: () => clock,
        pollMs: 10_000,
        sleep: async () => {
          world.distribution = 'Deployed';
        },
      });
    const outcomes = await Promise.allSettled([rotate(), rotate()]);
    const won = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const lost = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({
      code: 'CONFLICT',
      hint: expect.stringContaining('streamctl keys list'),
      message: expect.stringContaining(SECRET),
    });
    const winner = won[0]?.activated as string;
    expect(won[0]).toMatchObject({ added: winner, retiring: { keyPairId: first } });
    // Each published a key; the loser's never reached the group and is deleted again.
    const published = cf.commandCalls(CreatePublicKeyCommand).length;
    expect(published).toBe(2);
    const set = stored();
    expect(set.active).toBe(winner);
    expect(set.keys.map((k) => k.keyPairId)).toEqual([first, winner]);
    expect(set.keys.find((k) => k.keyPairId === first)?.retireAfter).toBe(new Date(clock + 660_000).toISOString());
    expect(world.group?.items).toEqual([first, winner]);
    expect([...world.publicKeys.keys()].sort()).toEqual([first, winner].sort());
    // The loser's move of AWSCURRENT named the version both had read, and was refused.
    const moves = sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input);
    expect(moves.every((m) => m.VersionStage === 'AWSCURRENT' && m.RemoveFromVersionId !== undefined)).toBe(true);
    expect(problems()).toEqual([]);
    // The next rotation starts from the winner's set as if nothing had happened.
    const next = await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => clock + 1000, wait: false });
    expect(next.pending).toBeDefined();
    expect(stored().keys.map((k) => k.keyPairId)).toEqual([first, winner, next.pending]);
  });

  it('a retire and a rotation at once: one writes, the other gets CONFLICT; the key due leaves, nothing else moves', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    await rotateKeys(backend(), {
      longestGrantSeconds: 360,
      now: () => T0 + 1000,
      sleep: async () => {
        world.distribution = 'Deployed';
      },
    });
    const active = stored().active;
    install();
    world.readersTogether = 2;
    const later = T0 + 86_400_000;
    const outcomes = await Promise.allSettled([
      createStageKeys(await prodConfig(), { backend: backend() }).retire({ now: () => later }),
      rotateKeys(backend(), { longestGrantSeconds: 360, now: () => later, wait: false }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason)).toMatchObject([
      { code: 'CONFLICT', hint: expect.stringContaining('streamctl keys list') },
    ]);
    // Both took the due key out before writing; whichever won, it is gone everywhere, once.
    expect(stored().keys.map((k) => k.keyPairId)).toEqual([active]);
    expect(stored().active).toBe(active);
    expect(world.group?.items).toEqual([active]);
    expect([...world.publicKeys.keys()]).toEqual([active]);
    expect(problems()).toEqual([]);
  });

  it('two first rotations of a stage at once: one makes the key group and the secret, the other gets CONFLICT', async () => {
    world.readersTogether = 2;
    const outcomes = await Promise.allSettled([
      rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 }),
      rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const lost = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
    expect(won).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'CONFLICT', hint: expect.stringContaining('streamctl keys list') });
    const winner = won[0]?.activated as string;
    expect(stored()).toMatchObject({ active: winner, keyGroupId: GROUP });
    expect(stored().keys).toHaveLength(1);
    expect(world.group?.items).toEqual([winner]);
    expect([...world.publicKeys.keys()]).toEqual([winner]);
    expect(problems()).toEqual([]);
  });

  it('a set changed while a rotation waits for the deployment: that change stands, the rotation gets CONFLICT', async () => {
    await rotateKeys(backend(), { longestGrantSeconds: 360, now: () => T0 });
    install();
    let edited = '';
    await expect(
      rotateKeys(backend(), {
        longestGrantSeconds: 360,
        now: () => T0 + 1000,
        pollMs: 10_000,
        sleep: async () => {
          // Someone retires by hand what this run stored as pending, in the console.
          const set = stored();
          edited = JSON.stringify({ ...set, keys: set.keys.filter((k) => k.keyPairId === set.active) });
          world.secret = edited;
          world.distribution = 'Deployed';
        },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(world.secret).toBe(edited);
    expect(stored().active).toBe('K0000000000001');
    expect(problems()).toEqual([]);
  });

  it('the stage picks the AWS backend off the local stage, the data dir on it', async () => {
    const keys = createStageKeys(await prodConfig());
    expect(keys.backend.kind).toBe('aws');
    expect(keys.backend.location).toBe(`secret ${SECRET} (us-east-1)`);
    expect(keys.holdSeconds).toBe(longestGrantSeconds(300) + 300);
    keys.close();
    const local = createStageKeys(await resolveConfig({ env: {}, flags: { stage: 'local', dataDir: '/tmp/x' } }));
    expect(local.backend.kind).toBe('local');
    expect(local.holdSeconds).toBe(longestGrantSeconds(300));
  });
});

async function prodConfig() {
  return resolveConfig({
    env: { STREAMCTL_REGIONS: 'us-east-1,eu-west-1' },
    flags: { stage: 'prod', region: 'us-east-1' },
  });
}
