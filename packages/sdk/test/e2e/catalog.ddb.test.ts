import { randomUUID } from 'node:crypto';
import { type AwsClients, type Catalog, createAwsClients, createCatalog } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`catalog (${target.kind})`, () => {
  let clients: AwsClients;
  let catalog: Catalog;
  const run = randomUUID().slice(0, 6);
  const id = (name: string) => `${name}-${run}`;
  const genre = `drama-${run}`;

  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    catalog = createCatalog(clients, config.resources);
  });
  afterAll(() => clients?.destroy());

  it('puts and reads a series with seasons and episodes in order', async () => {
    await catalog.putTitle({
      titleId: id('show'),
      name: 'The Show',
      kind: 'series',
      genres: [genre],
      seasons: [
        { number: 2, episodes: [{ episodeId: 'S02E01', name: 'Return' }] },
        {
          number: 1,
          episodes: [
            { episodeId: 'S01E02', name: 'Second', durationSec: 1800 },
            { episodeId: 'S01E01', name: 'Pilot', durationSec: 2400 },
          ],
        },
      ],
    });
    const title = await catalog.getTitle(id('show'));
    expect(title).toMatchObject({ name: 'The Show', kind: 'series', status: 'READY', genres: [genre] });
    expect(title.seasons.map((s) => [s.number, s.episodes.map((e) => e.episodeId)])).toEqual([
      [1, ['S01E01', 'S01E02']],
      [2, ['S02E01']],
    ]);
  });

  it('publishes where and when given, and lists what a country may see', async () => {
    await catalog.putTitle({ titleId: id('gb-only'), name: 'GB only', genres: [genre], releaseDate: '2026-01-01' });
    await catalog.putTitle({
      titleId: id('everywhere'),
      name: 'Everywhere',
      genres: [genre],
      releaseDate: '2026-02-01',
    });
    await catalog.putTitle({ titleId: id('unpublished'), name: 'Draft', genres: [genre] });
    await catalog.publishTitle(id('gb-only'), { countries: ['GB'] }, '2026-11-20T00:00:00.000Z');
    const published = await catalog.publishTitle(
      id('everywhere'),
      { countries: 'ALL', until: '2030-01-01T00:00:00Z' },
      '2026-11-21T00:00:00.000Z',
    );
    expect(published).toMatchObject({ status: 'PUBLISHED', availability: { countries: 'ALL' } });
    const gb = (await catalog.listAvailable('gb', { limit: 200 })).map((t) => t.titleId);
    expect(gb).toContain(id('gb-only'));
    expect(gb).toContain(id('everywhere'));
    expect(gb).not.toContain(id('unpublished'));
    const us = (await catalog.listAvailable('US', { limit: 200 })).map((t) => t.titleId);
    expect(us).toContain(id('everywhere'));
    expect(us).not.toContain(id('gb-only'));
    const byGenre = (await catalog.listByGenre(genre)).map((t) => t.titleId);
    expect(byGenre.slice(0, 2)).toEqual([id('everywhere'), id('gb-only')]);
  });

  it('lists a title only inside its availability window', async () => {
    await catalog.putTitle({ titleId: id('windowed'), name: 'Windowed', genres: [genre] });
    await catalog.publishTitle(id('windowed'), {
      countries: ['NZ'],
      from: '2027-01-01T00:00:00Z',
      until: '2027-02-01T00:00:00Z',
    });
    const nz = async (at: string) =>
      (await catalog.listAvailable('NZ', { limit: 200, at: new Date(at) })).map((t) => t.titleId);
    expect(await nz('2026-12-31T23:59:59Z')).not.toContain(id('windowed'));
    expect(await nz('2027-01-01T00:00:00Z')).toContain(id('windowed'));
    expect(await nz('2027-02-01T00:00:00Z')).not.toContain(id('windowed'));
    const listed = (await catalog.listAvailable('NZ', { limit: 200, at: new Date('2027-01-15T00:00:00Z') })).find(
      (t) => t.titleId === id('windowed'),
    );
    expect(listed).toMatchObject({ availableFrom: '2027-01-01T00:00:00Z', availableUntil: '2027-02-01T00:00:00Z' });
  });

  it('answers unknown titles and bad input with typed errors', async () => {
    await expect(catalog.getTitle(id('nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await catalog.findTitle(id('nope'))).toBeUndefined();
    await expect(catalog.publishTitle(id('nope'), { countries: 'ALL' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(catalog.putTitle({ titleId: 'bad id', name: 'x' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(catalog.publishTitle(id('show'), { countries: ['usa'] as unknown as string[] })).rejects.toMatchObject(
      { code: 'VALIDATION_FAILED' },
    );
    await expect(
      catalog.publishTitle(id('show'), {
        countries: 'ALL',
        from: '2027-01-01T00:00:00Z',
        until: '2026-01-01T00:00:00Z',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
