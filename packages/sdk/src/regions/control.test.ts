/**
 * Which Region the routing record is read and written in (`controlTableStore`): the local Region
 * when it holds a replica of the control table, otherwise the first control Region, and the next
 * one on a Region failure, never on a refused request. DynamoDB is a scripted fake per Region
 * here; test/e2e/control-regions.test.ts runs the same against a real engine and a closed port.
 */
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../aws/index.js';
import { resolveConfig, type StreamctlConfig } from '../config/index.js';
import { ensureRouting, type RoutingRecord, readRouting, setPrimary } from './index.js';
import { controlTableStore } from './stage.js';

const KEY = { PK: 'ROUTING', SK: 'RECORD' };

const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...extra });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

const record = (over: Partial<RoutingRecord> = {}): RoutingRecord => ({
  primary: 'us-east-1',
  regions: { 'us-east-1': 'active', 'eu-west-1': 'active' },
  version: 3,
  changedBy: 'ops',
  changedAt: '2026-11-24T00:00:00.000Z',
  ...over,
});

/** Per Region, a DynamoDB that answers each request with the next scripted answer; every request is logged. */
function regions(script: Record<string, Array<unknown | Error>>) {
  const asked: Array<{ region: string; command: string }> = [];
  const made: string[] = [];
  const destroyed: string[] = [];
  const clientsFor = (region: string): AwsClients => {
    made.push(region);
    const answers = script[region] ?? [];
    const documents = {
      send: async (command: { constructor: { name: string } }) => {
        asked.push({ region, command: command.constructor.name });
        if (!answers.length) throw new Error(`no answer scripted in ${region} for ${command.constructor.name}`);
        const answer = answers.shift();
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
    return { documents: () => documents, destroy: () => destroyed.push(region) } as unknown as AwsClients;
  };
  return { clientsFor, asked, made, destroyed };
}

async function stage(region: string, controlRegions: string): Promise<StreamctlConfig> {
  return resolveConfig({
    flags: { stage: 'prod', region, regions: 'us-east-1,eu-west-1' },
    env: { STREAMCTL_CONTROL_REGIONS: controlRegions },
    configFile: false,
  });
}

describe('the control Region the routing record is read in', () => {
  it('is the local Region when it holds a replica', async () => {
    const config = await stage('us-east-2', 'us-east-1,us-east-2');
    const fake = regions({ 'us-east-2': [{ Item: { ...KEY, ...record() } }] });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    expect(control.regions).toEqual(['us-east-2', 'us-east-1']);
    expect(await readRouting(control, config.resources)).toEqual(record());
    expect(fake.asked).toEqual([{ region: 'us-east-2', command: 'GetCommand' }]);
    control.destroy();
    expect(fake.destroyed).toEqual(['us-east-2']);
  });

  it('is the first control Region from a Region without a replica', async () => {
    const config = await stage('eu-west-1', 'us-east-1,us-east-2');
    const fake = regions({ 'us-east-1': [{ Item: { ...KEY, ...record() } }] });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    expect(control.regions).toEqual(['us-east-1', 'us-east-2']);
    expect(await readRouting(control, config.resources)).toEqual(record());
    expect(fake.asked).toEqual([{ region: 'us-east-1', command: 'GetCommand' }]);
    expect(fake.made).toEqual(['us-east-1']);
  });

  it.each([
    ['unreachable', refused()],
    ['without a replica', awsError('ResourceNotFoundException')],
    ['failing on its side', awsError('InternalServerError', { $fault: 'server' })],
    ['throttling', awsError('ThrottlingException')],
  ])('falls over to the next control Region when the first is %s, and keeps asking that one', async (_, err) => {
    const config = await stage('eu-west-1', 'us-east-1,us-east-2');
    const fake = regions({
      'us-east-1': [err],
      'us-east-2': [{ Item: { ...KEY, ...record() } }, { Item: { ...KEY, ...record() } }],
    });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    expect(await readRouting(control, config.resources)).toEqual(record());
    expect(await readRouting(control, config.resources, { consistent: false })).toEqual(record());
    expect(fake.asked.map((a) => a.region)).toEqual(['us-east-1', 'us-east-2', 'us-east-2']);
  });

  it('never falls over on a CONFLICT: a failed condition is answered by the Region that refused it', async () => {
    const config = await stage('eu-west-1', 'us-east-1,us-east-2');
    const theirs = record({ primary: 'eu-west-1', version: 4, changedBy: 'bob' });
    const fake = regions({
      'us-east-1': [
        { Item: { ...KEY, ...record() } },
        awsError('ConditionalCheckFailedException'),
        { Item: { ...KEY, ...theirs } },
      ],
    });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    const err = await setPrimary(control, config.resources, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('bob set the primary to eu-west-1'),
    });
    expect(fake.asked.map((a) => a.region)).toEqual(['us-east-1', 'us-east-1', 'us-east-1']);
    expect(fake.made).toEqual(['us-east-1']);
  });

  it('does not send a write MRSC refused for a simultaneous write to another Region', async () => {
    const config = await stage('eu-west-1', 'us-east-1,us-east-2');
    const fake = regions({
      'us-east-1': [
        { Item: { ...KEY, ...record() } },
        awsError('ReplicatedWriteConflictException'),
        { Item: { ...KEY, ...record() } },
        {},
      ],
    });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    const next = await setPrimary(control, config.resources, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' });
    expect(next).toMatchObject({ primary: 'eu-west-1', version: 4 });
    expect(fake.asked).toEqual([
      { region: 'us-east-1', command: 'GetCommand' },
      { region: 'us-east-1', command: 'UpdateCommand' },
      { region: 'us-east-1', command: 'GetCommand' },
      { region: 'us-east-1', command: 'UpdateCommand' },
    ]);
  });

  it('takes its own write, sent again after the first Region lost its answer, as won', async () => {
    const config = await stage('eu-west-1', 'us-east-1,us-east-2');
    let written: RoutingRecord | undefined;
    const fake = regions({
      'us-east-1': [{ Item: { ...KEY, ...record() } }, refused()],
      // us-east-1 took the write before it went away: us-east-2 already has it, so the condition fails there.
      'us-east-2': [awsError('ConditionalCheckFailedException')],
    });
    const control = controlTableStore(config, {
      clientsFor: (region) => {
        const clients = fake.clientsFor(region);
        const docs = clients.documents();
        const send = docs.send.bind(docs);
        return {
          ...clients,
          documents: () =>
            ({
              send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
                if (command.constructor.name === 'UpdateCommand' && !written) {
                  const values = command.input.ExpressionAttributeValues as Record<string, unknown>;
                  written = record({
                    primary: values[':p'] as string,
                    regions: values[':r'] as RoutingRecord['regions'],
                    version: values[':next'] as number,
                    changedBy: values[':by'] as string,
                    changedAt: values[':at'] as string,
                    reason: values[':why'] as string,
                  });
                }
                if (region === 'us-east-2' && command.constructor.name === 'GetCommand') {
                  fake.asked.push({ region, command: 'GetCommand' });
                  return { Item: { ...KEY, ...written } };
                }
                return send(command as never);
              },
            }) as never,
        };
      },
    });
    const next = await setPrimary(control, config.resources, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' });
    expect(next).toMatchObject({ primary: 'eu-west-1', version: 4, changedBy: 'alice' });
    expect(fake.asked.map((a) => `${a.region} ${a.command}`)).toEqual([
      'us-east-1 GetCommand',
      'us-east-1 UpdateCommand',
      'us-east-2 UpdateCommand',
      'us-east-2 GetCommand',
    ]);
  });

  it('names every control Region when none answers, and how to fix it', async () => {
    const config = await stage('eu-west-1', 'us-east-1,us-east-2');
    const fake = regions({ 'us-east-1': [refused()], 'us-east-2': [awsError('ResourceNotFoundException')] });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    const err = await ensureRouting(control, config.resources, config.regions, 'alice').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      message: expect.stringMatching(
        /^No control Region answered for the routing record \(us-east-1: .*ECONNREFUSED.*; us-east-2: .*not found\)$/,
      ),
      hint: expect.stringContaining('STREAMCTL_CONTROL_REGIONS'),
    });
  });

  it('locally asks the local Region only: every Region reaches the one shared store', async () => {
    const config = await resolveConfig({
      flags: { stage: 'local', region: 'eu-west-1', regions: 'us-east-1,eu-west-1' },
      env: { STREAMCTL_CONTROL_REGIONS: 'us-east-1' },
      configFile: false,
    });
    const fake = regions({ 'eu-west-1': [{}, {}] });
    const control = controlTableStore(config, { clientsFor: fake.clientsFor });
    expect(control.regions).toEqual(['eu-west-1']);
    expect(await readRouting(control, config.resources)).toBeUndefined();
    expect(fake.asked.map((a) => a.region)).toEqual(['eu-west-1', 'eu-west-1']);
  });
});
