/**
 * Events fail over between Regions' streams, on a local two-Region
 * platform of its own (two kinesalite streams, as `streamctl dev --regions`
 * runs them): eu-west-1's stream is stopped, viewers keep posting their
 * events to eu-west-1's API and an operator publishes a file in eu-west-1,
 * and every one of them lands in us-east-1's stream, once, still stamped
 * with the Region that served it. None is lost and none is refused.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintDevToken, startLocalPlatform } from '@streamctl/local';
import { createAwsClients, createCatalog, createPlatform, tailEvents } from '@streamctl/sdk';
import { type ClientEvent, createClient } from '@streamctl/sdk/client';
import { describe, expect, it } from 'vitest';
import { startRegions } from '../../src/local-serving.js';

describe("a Region's stream down", () => {
  it("puts the events its API accepts into the other Region's stream, losing none", { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamctl-events-failover-'));
    const platform = await startLocalPlatform({ dataDir, region: 'us-east-1' });
    const clients = createAwsClients(platform.config);
    try {
      const controls = await startRegions(platform, { host: '127.0.0.1', regions: ['us-east-1', 'eu-west-1'] });
      const eu = controls['eu-west-1'];
      if (!eu) throw new Error('eu-west-1 did not start');
      const catalog = createCatalog(clients, platform.config.resources);
      await catalog.putTitle({ titleId: 'movie-1', name: 'Movie', manifests: { hls: 'titles/movie-1/master.m3u8' } });
      await catalog.publishTitle('movie-1', { countries: 'ALL' });

      await eu.stopStream();
      const sent: string[] = [];
      for (const userId of ['alice', 'bob', 'carol']) {
        const { token } = await mintDevToken(dataDir, { userId, country: 'GB', plan: 'basic' });
        const api = createClient({ baseUrl: eu.api, token });
        for (let batch = 0; batch < 4; batch++) {
          const events: ClientEvent[] = Array.from({ length: 25 }, (_, i) => ({
            v: 1,
            id: randomUUID(),
            type: 'progress',
            titleId: 'movie-1',
            ts: new Date().toISOString(),
            positionSec: batch * 100 + i,
          }));
          // Every batch is accepted whole: the API put it into the stream that was up.
          expect(await api.sendEvents(events)).toEqual({ accepted: 25, rejected: [] });
          sent.push(...events.map((e) => e.id));
        }
      }

      // The SDK's batching publisher of a platform in eu-west-1 (what `streamctl events publish` uses) too.
      const euPlatform = createPlatform({
        ...platform.config,
        region: 'eu-west-1',
        regions: ['us-east-1', 'eu-west-1'],
        endpoints: { ...platform.config.endpoints, kinesis: eu.kinesis },
      });
      try {
        const publisher = euPlatform.events.publisher({ lingerMs: 5 });
        for (let i = 0; i < 200; i++) {
          const id = randomUUID();
          await publisher.publish({
            v: 1,
            id,
            type: 'play',
            userId: `pub-${i % 7}`,
            titleId: 'movie-1',
            ts: new Date().toISOString(),
            region: 'eu-west-1',
          });
          sent.push(id);
        }
        expect(await publisher.close()).toEqual([]);
        expect(publisher.stats).toMatchObject({ published: 200, delivered: 200, undelivered: 0 });
      } finally {
        euPlatform.close();
      }

      // Every event is in us-east-1's stream, once, with the Region that served it.
      const seen = new Map<string, { count: number; region?: string }>();
      const reading = new AbortController();
      const deadline = Date.now() + 30_000;
      const tail = tailEvents(clients, platform.config.resources, {
        from: 'start',
        signal: reading.signal,
        pollMs: 100,
        onRecord: ({ event }) => {
          const { id, region } = event as { id: string; region?: string };
          seen.set(id, { count: (seen.get(id)?.count ?? 0) + 1, region });
        },
      });
      while (sent.some((id) => !seen.has(id)) && Date.now() < deadline) await sleep(100);
      // A little longer, so that a second copy of an event would be seen too.
      await sleep(500);
      reading.abort();
      await tail;
      expect(sent).toHaveLength(500);
      const missing = sent.filter((id) => !seen.has(id));
      expect(missing).toEqual([]);
      expect(sent.filter((id) => seen.get(id)?.count !== 1)).toEqual([]);
      expect(new Set(sent.map((id) => seen.get(id)?.region))).toEqual(new Set(['eu-west-1']));
    } finally {
      clients.destroy();
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
