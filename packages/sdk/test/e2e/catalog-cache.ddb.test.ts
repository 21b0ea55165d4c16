import { randomUUID } from 'node:crypto';
import { type AwsClients, createAwsClients, createCatalog, createMemoryCache, withCatalogCache } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`catalog cache (${target.kind})`, () => {
  let clients: AwsClients;
  beforeAll(async () => {
    clients = createAwsClients(await targetConfig(target));
  });
  afterAll(() => clients?.destroy());

  it('serves hot titles from the cache and drops them on writes', async () => {
    const config = await targetConfig(target);
    const base = createCatalog(clients, config.resources);
    let reads = 0;
    const counted = {
      ...base,
      findTitle: (id: string) => {
        reads += 1;
        return base.findTitle(id);
      },
    };
    const catalog = withCatalogCache(counted, createMemoryCache(), 30);
    const id = `cached-${randomUUID().slice(0, 6)}`;
    expect(await catalog.findTitle(id)).toBeUndefined();
    expect(await catalog.findTitle(id)).toBeUndefined();
    expect(reads).toBe(1);
    await catalog.putTitle({ titleId: id, name: 'Hot' });
    expect((await catalog.getTitle(id)).name).toBe('Hot');
    await catalog.getTitle(id);
    // One read after the write dropped the cached miss; the second get is a hit.
    expect(reads).toBe(2);
    await catalog.publishTitle(id, { countries: 'ALL' });
    expect((await catalog.getTitle(id)).status).toBe('PUBLISHED');
  });
});
