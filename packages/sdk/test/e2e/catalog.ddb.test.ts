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

  it("keeps and changes a title's details (original name, aliases, cast, crew, synopsis) in any status", async () => {
    await catalog.putTitle({
      titleId: id('detailed'),
      name: 'Amelie',
      originalName: 'Le Destin d’Amélie',
      aliases: ['Amélie of the Hill'],
      cast: ['Ana Lune'],
    });
    expect(await catalog.getTitle(id('detailed'))).toMatchObject({
      originalName: 'Le Destin d’Amélie',
      aliases: ['Amélie of the Hill'],
      cast: ['Ana Lune'],
    });
    const changed = await catalog.describeTitle(id('detailed'), {
      aliases: [],
      crew: ['Oskar Lind'],
      synopsis: '  A café, a garden gnome and a photo booth.  ',
      originalName: null,
    });
    expect(changed.originalName).toBeUndefined();
    expect(changed.aliases).toBeUndefined();
    expect(changed).toMatchObject({
      cast: ['Ana Lune'],
      crew: ['Oskar Lind'],
      synopsis: 'A café, a garden gnome and a photo booth.',
      status: 'READY',
    });
    await expect(catalog.describeTitle(id('nobody'), { cast: ['X'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(catalog.describeTitle(id('detailed'), {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(catalog.describeTitle(id('detailed'), { cast: ['x'.repeat(121)] } as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(catalog.describeTitle(id('detailed'), { status: 'PUBLISHED' } as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
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
      // Relative to the clock, so the suite holds with the clock years ahead (scripts/time-travel.mjs).
      { countries: 'ALL', until: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString() },
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

  it('says which of any titles a country may play now, over the whole catalogue, in the order asked', async () => {
    // More than one BatchGetItem's worth of keys (two per title): 70 titles, every third one in SE,
    // every third everywhere, the rest drafts.
    const ids = Array.from({ length: 70 }, (_, i) => id(`among-${String(i).padStart(2, '0')}`));
    for (const [i, titleId] of ids.entries()) {
      await catalog.putTitle({ titleId, name: `Among ${i}`, genres: [genre] });
      if (i % 3 === 0) await catalog.publishTitle(titleId, { countries: ['SE'] });
      if (i % 3 === 1) await catalog.publishTitle(titleId, { countries: 'ALL' });
    }
    await catalog.putTitle({ titleId: id('among-later'), name: 'Later', genres: [genre] });
    const later = Date.now() + 180 * 86_400_000;
    await catalog.publishTitle(id('among-later'), { countries: ['SE'], from: new Date(later).toISOString() });
    const asked = [...ids].reverse().concat(id('among-unknown'), id('among-later'));
    const se = await catalog.availableAmong('se', asked);
    expect(se.map((t) => t.titleId)).toEqual([...ids].reverse().filter((_, i) => (69 - i) % 3 !== 2));
    expect(se[0]).toMatchObject({ titleId: id('among-69'), name: 'Among 69', genres: [genre] });
    const dk = await catalog.availableAmong('DK', asked);
    expect(dk.map((t) => t.titleId)).toEqual([...ids].reverse().filter((_, i) => (69 - i) % 3 === 1));
    // A window: not yet, then open, then never for another country.
    expect((await catalog.availableAmong('SE', [id('among-later')])).length).toBe(0);
    expect(
      (await catalog.availableAmong('SE', [id('among-later')], { at: new Date(later + 86_400_000) })).map(
        (t) => t.titleId,
      ),
    ).toEqual([id('among-later')]);
    expect(await catalog.availableAmong('SE', [])).toEqual([]);
    await expect(catalog.availableAmong('SE', ['../x'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(catalog.availableAmong('SWE', [ids[0] as string])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
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
