import { randomUUID } from 'node:crypto';
import { type AwsClients, type Catalog, createAwsClients, createCatalog } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`lifecycle (${target.kind})`, () => {
  let clients: AwsClients;
  let catalog: Catalog;
  const run = randomUUID().slice(0, 6);
  const id = (name: string) => `${name}-${run}`;
  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    catalog = createCatalog(clients, config.resources);
  });
  afterAll(() => clients?.destroy());

  it('holds status writes to the transition table', async () => {
    await catalog.putTitle({ titleId: id('a'), name: 'A', status: 'UPLOADING' });
    await expect(catalog.publishTitle(id('a'), { countries: 'ALL' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { status: 'UPLOADING', to: 'PUBLISHED' },
    });
    expect(await catalog.listAvailable('US', { limit: 200 })).not.toContainEqual(
      expect.objectContaining({ titleId: id('a') }),
    );
    await expect(catalog.setStatus(id('a'), 'READY')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(catalog.unpublishTitle(id('a'))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await catalog.setStatus(id('a'), 'TRANSCODING')).status).toBe('TRANSCODING');
    await expect(catalog.setStatus(id('a'), 'FAILED', { expect: ['UPLOADING'] })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/Cannot move it to FAILED/),
    });
    expect((await catalog.setStatus(id('a'), 'FAILED', { reason: 'x', expect: ['TRANSCODING'] })).status).toBe(
      'FAILED',
    );
    const ready = await catalog.setRenditions(id('a'), {
      renditions: [{ name: '360p', width: 640, height: 360, bandwidth: 1, playlist: 'p' }],
      manifests: { hls: 'h' },
    });
    expect(ready.status).toBe('READY');
    expect((await catalog.publishTitle(id('a'), { countries: 'ALL' })).status).toBe('PUBLISHED');
    await expect(catalog.setRenditions(id('a'), { renditions: [], manifests: {} })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await catalog.unpublishTitle(id('a'))).status).toBe('UNPUBLISHED');
    expect((await catalog.setStatus(id('a'), 'UPLOADING')).status).toBe('UPLOADING');
    await expect(catalog.setStatus(id('nope'), 'UPLOADING')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
