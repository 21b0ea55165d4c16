/**
 * The events put's answers when streams do not answer (ports nothing
 * listens on). Events landing in the other Region's stream while one is
 * down is tested on two local streams in packages/cli/test/e2e/events-failover.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../aws/index.js';
import { resolveConfig, type StreamctlConfig } from '../config/index.js';
import type { EngagementEvent } from '../events/index.js';
import { createRegionalEventsPut, type RegionalEventsPut } from './index.js';

const event: EngagementEvent = {
  v: 1,
  id: '0b4f7a52-1a41-4c8e-9d3c-5c7e8a0d6f11',
  type: 'play',
  userId: 'alice',
  titleId: 't1',
  ts: '2026-12-03T10:00:00.000Z',
};

const opened: Array<{ put: RegionalEventsPut; destroy: () => void }> = [];
afterEach(() => {
  for (const o of opened.splice(0)) {
    o.put.close();
    o.destroy();
  }
});

/** A stage in AWS whose every endpoint refuses connections, with the given Regions. */
async function stage(regions: string): Promise<StreamctlConfig> {
  const base = await resolveConfig({ flags: { stage: 'qa', regions }, env: {}, configFile: false });
  return {
    ...base,
    maxAttempts: 1,
    endpoints: { dynamodb: 'http://127.0.0.1:9', kinesis: 'http://127.0.0.1:9' },
  };
}

function open(config: StreamctlConfig): RegionalEventsPut {
  const clients = createAwsClients(config);
  const put = createRegionalEventsPut(config, clients, { threshold: 2, coolDownMs: 60_000 });
  opened.push({ put, destroy: () => clients.destroy() });
  return put;
}

describe('the events put', () => {
  it('with one Region, is the plain put: its failure is the stream’s own, and there is no breaker', async () => {
    const put = open(await stage('us-east-1'));
    const err = await put.put([event]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENDPOINT_UNREACHABLE', message: expect.stringContaining('kinesis:PutRecords') });
    expect(put.states()).toEqual({});
  });

  it('with several, tries every Region and says why each failed; the batch is never dropped quietly', async () => {
    const put = open(await stage('us-east-1,eu-west-1'));
    const err = await put.put([event]).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      message: expect.stringMatching(
        /^No Region could take the call \(us-east-1: .*kinesis:PutRecords.*; eu-west-1: .*kinesis:PutRecords.*\)$/,
      ),
    });
    // A second failure opens both breakers: the next batch is refused at once, still with the reason.
    await put.put([event]).catch(() => undefined);
    expect(put.states()).toEqual({ 'us-east-1': 'open', 'eu-west-1': 'open' });
    const fast = await put.put([event]).catch((e: unknown) => e);
    expect(fast).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      message: 'No Region could take the call (us-east-1: circuit open; eu-west-1: circuit open)',
    });
  });

  it('refuses a batch that is wrong everywhere at once, without counting it against a Region', async () => {
    const put = open(await stage('us-east-1,eu-west-1'));
    const err = await put.put(Array.from({ length: 501 }, () => event)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(put.states()).toEqual({ 'us-east-1': 'closed', 'eu-west-1': 'closed' });
  });
});
