/**
 * The HTTP client fails over by itself, on a local two-Region platform of
 * its own (as `streamctl dev --regions` runs it): a viewer's client is given
 * both Regions' APIs, us-east-1 first. When us-east-1's API stops, the next
 * calls go to eu-west-1 and the viewer's state (global) is all there; after
 * three failures us-east-1's circuit is open and it is not asked any more.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDevToken, startLocalPlatform } from '@streamctl/local';
import { createAwsClients, createCatalog } from '@streamctl/sdk';
import { createClient } from '@streamctl/sdk/client';
import { describe, expect, it } from 'vitest';
import { startRegions } from '../../src/local-serving.js';

describe('a Region client with its preferred API down', () => {
  it('answers from the next Region, and stops asking the one that is down', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamctl-client-failover-'));
    const platform = await startLocalPlatform({ dataDir, region: 'us-east-1' });
    const clients = createAwsClients(platform.config);
    try {
      const controls = await startRegions(platform, { host: '127.0.0.1', regions: ['us-east-1', 'eu-west-1'] });
      const [us, eu] = [controls['us-east-1'], controls['eu-west-1']];
      if (!us || !eu) throw new Error('the Regions did not start');
      const catalog = createCatalog(clients, platform.config.resources);
      for (const titleId of ['movie-1', 'movie-2']) {
        await catalog.putTitle({ titleId, name: titleId, manifests: { hls: `titles/${titleId}/master.m3u8` } });
        await catalog.publishTitle(titleId, { countries: 'ALL' });
      }

      // Every request the client makes, with the Region's API it went to.
      const asked: string[] = [];
      const recording: typeof fetch = (input, init) => {
        asked.push(String(input));
        return fetch(input, init);
      };
      const { token } = await mintDevToken(dataDir, { userId: 'alice', country: 'GB', plan: 'standard' });
      const api = createClient({
        regions: [
          { region: 'us-east-1', baseUrl: us.api },
          { region: 'eu-west-1', baseUrl: eu.api },
        ],
        token,
        fetch: recording,
        failover: { threshold: 3, coolDownMs: 60_000 },
      });
      expect(await api.addToWatchlist('movie-1')).toMatchObject({ titleId: 'movie-1', onWatchlist: true });
      expect(api.routing()?.region).toBe('us-east-1');

      await us.stopApi();
      asked.length = 0;
      // The viewer's list, written through us-east-1, reads the same from eu-west-1; writes go on.
      expect((await api.watchlist()).items.map((i) => i.titleId)).toEqual(['movie-1']);
      expect(api.routing()?.region).toBe('eu-west-1');
      expect(await api.addToWatchlist('movie-2')).toMatchObject({ titleId: 'movie-2', changed: true });
      expect((await api.title('movie-2')).titleId).toBe('movie-2');
      expect(asked.filter((u) => u.startsWith(us.api))).toHaveLength(3);
      expect(api.routing()?.circuits).toEqual({ 'us-east-1': 'open', 'eu-west-1': 'closed' });

      // Open: us-east-1 is not asked; a refusal about the request comes back as it is, from eu-west-1.
      asked.length = 0;
      expect((await api.watchlist()).items.map((i) => i.titleId).sort()).toEqual(['movie-1', 'movie-2']);
      await expect(api.title('no-such-title')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect(asked.every((u) => u.startsWith(eu.api))).toBe(true);
      expect(asked).toHaveLength(2);
    } finally {
      clients.destroy();
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
