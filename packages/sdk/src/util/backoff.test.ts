import { describe, expect, it } from 'vitest';
import { AWS_RETRY, BATCH_RETRY, backoffDelay, CLIENT_WRITE_RETRY, retry } from './backoff.js';

const fixed = (value: number) => () => value;

describe('backoffDelay', () => {
  it('full jitter stays in [0, min(cap, base · 2^attempt))', () => {
    expect(backoffDelay(AWS_RETRY, 3, fixed(0))).toBe(0);
    expect(backoffDelay(AWS_RETRY, 3, fixed(0.999999))).toBe(799);
    expect(backoffDelay(AWS_RETRY, 30, fixed(0.999999))).toBe(19_999);
    expect(backoffDelay(BATCH_RETRY, 0, fixed(0.5))).toBe(25);
    expect(backoffDelay(BATCH_RETRY, 7, fixed(0.999999))).toBe(6399);
  });

  it('proportional jitter stays within ± ratio of the ceiling', () => {
    expect(backoffDelay(CLIENT_WRITE_RETRY, 0, fixed(0))).toBe(200);
    expect(backoffDelay(CLIENT_WRITE_RETRY, 0, fixed(0.5))).toBe(250);
    expect(backoffDelay(CLIENT_WRITE_RETRY, 3, fixed(0.999999))).toBe(2399);
    // No cap: the ceiling keeps doubling.
    expect(backoffDelay(CLIENT_WRITE_RETRY, 10, fixed(0.5))).toBe(256_000);
  });

  it('without jitter, is the ceiling', () => {
    const policy = { baseMs: 50, capMs: 1_000, jitter: 'none' } as const;
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a))).toEqual([50, 100, 200, 400, 800, 1000]);
  });

  it('draws from Math.random by default', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(AWS_RETRY, 4);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(1600);
    }
  });
});

describe('retry', () => {
  const noWait = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it('retries thrown errors with the policy’s delays, then succeeds', async () => {
    const { waits, sleep } = noWait();
    let calls = 0;
    const value = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 2) throw new Error(`boom ${attempt}`);
        return 'ok';
      },
      { attempts: 5, policy: { baseMs: 100, jitter: 'none' }, sleep },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('rethrows the last error when the attempts run out, and errors that are not retryable at once', async () => {
    const { waits, sleep } = noWait();
    await expect(
      retry(
        async (attempt) => {
          throw new Error(`boom ${attempt}`);
        },
        { attempts: 3, policy: BATCH_RETRY, random: fixed(0), sleep },
      ),
    ).rejects.toThrow('boom 2');
    expect(waits).toEqual([0, 0]);

    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('bad input');
        },
        { attempts: 3, policy: BATCH_RETRY, retryable: (e) => !(e instanceof TypeError), sleep },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('retries values the caller calls failures and hands back the last one', async () => {
    const { waits, sleep } = noWait();
    const seen: Array<{ attempt: number; delayMs: number; value?: number }> = [];
    const value = await retry(async (attempt) => 500 + attempt, {
      attempts: 4,
      policy: CLIENT_WRITE_RETRY,
      random: fixed(0.5),
      retryResult: (status) => status >= 500,
      onRetry: ({ attempt, delayMs, value }) => seen.push({ attempt, delayMs, ...(value ? { value } : {}) }),
      sleep,
    });
    expect(value).toBe(503);
    expect(waits).toEqual([250, 500, 1000]);
    expect(seen).toEqual([
      { attempt: 0, delayMs: 250, value: 500 },
      { attempt: 1, delayMs: 500, value: 501 },
      { attempt: 2, delayMs: 1000, value: 502 },
    ]);
  });

  it('makes one attempt when asked for one (or fewer)', async () => {
    const { waits, sleep } = noWait();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('once');
        },
        { attempts: 0, policy: AWS_RETRY, sleep },
      ),
    ).rejects.toThrow('once');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });
});
