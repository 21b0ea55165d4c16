/**
 * Availability as one unit: re-publishing replaces a title's per-country
 * projections, so no country the title's record does not list keeps it, on
 * dynalite and on DynamoDB Local (neither path uses transactions). A
 * publication stopped between its steps, or beaten by another, leaves no
 * country a reader shows that the record does not allow.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClients, type Catalog, createAwsClients, createCatalog, type StreamctlConfig } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

/** The clients of a process that dies: from the first command `dies` picks on, every call throws. */
function dying(clients: AwsClients, dies: (command: object, sent: object[]) => boolean): AwsClients {
  const sent: object[] = [];
  let dead = false;
  const documents = clients.documents();
  const send = async (command: object) => {
    if (dead || dies(command, sent)) {
      dead = true;
      throw new Error('the publishing process died here');
    }
    sent.push(command);
    return documents.send(command as never);
  };
  return { ...clients, documents: () => ({ send }) as unknown as ReturnType<AwsClients['documents']> };
}

describe.skipIf(!target.endpoints.dynamodb)(`availability as one unit (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;
  let catalog: Catalog;
  const run = randomUUID().slice(0, 6);
  let n = 0;

  const title = async () => {
    const titleId = `avail-${run}-${++n}`;
    await catalog.putTitle({
      titleId,
      name: `Avail ${n}`,
      genres: ['drama'],
      manifests: { hls: `titles/${titleId}/master.m3u8` },
    });
    return titleId;
  };
  /** The countries of the title's projections in the table, with their generations. */
  const stored = async (titleId: string) => {
    const out = await clients.documents().send(
      new QueryCommand({
        TableName: config.resources.catalogTable,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :a)',
        ExpressionAttributeValues: { ':pk': `VIDEO#${titleId}`, ':a': 'AVAILABILITY#' },
      }),
    );
    return Object.fromEntries((out.Items ?? []).map((i) => [String(i.SK).slice('AVAILABILITY#'.length), i.generation]));
  };
  /** The countries (of those asked about) where browsing shows the title, by both readers. */
  const shownWhere = async (titleId: string, countries: string[]) => {
    const where: string[] = [];
    for (const cc of countries) {
      const among = (await catalog.availableAmong(cc, [titleId])).map((t) => t.titleId);
      const listed = (await catalog.listAvailable(cc, { limit: 200 })).some((t) => t.titleId === titleId);
      expect(listed).toBe(among.includes(titleId));
      if (listed) where.push(cc);
    }
    return where;
  };
  const COUNTRIES = ['US', 'GB', 'FR', 'DE', 'SE'];

  beforeAll(async () => {
    config = await targetConfig(target);
    clients = createAwsClients(config);
    catalog = createCatalog(clients, config.resources);
  });
  afterAll(() => clients?.destroy());

  it('re-publishing to fewer countries leaves only the countries the record lists', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US', 'GB', 'FR'] });
    expect(await shownWhere(id, COUNTRIES)).toEqual(['US', 'GB', 'FR']);
    const again = await catalog.publishTitle(id, { countries: ['US'] });
    expect(again.availability).toEqual({ countries: ['US'] });
    expect(await shownWhere(id, COUNTRIES)).toEqual(['US']);
    expect(await stored(id)).toEqual({ US: 2 });
    // Everywhere, then back to one country: the ALL projection goes as well.
    await catalog.publishTitle(id, { countries: 'ALL' });
    expect(await stored(id)).toEqual({ ALL: 3 });
    expect(await shownWhere(id, COUNTRIES)).toEqual(COUNTRIES);
    await catalog.publishTitle(id, { countries: ['SE'] });
    expect(await stored(id)).toEqual({ SE: 4 });
    expect(await shownWhere(id, COUNTRIES)).toEqual(['SE']);
  });

  it('withdrawing removes every projection, and publishing again brings back only the new countries', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US', 'GB'] });
    await catalog.unpublishTitle(id);
    expect(await stored(id)).toEqual({});
    expect(await shownWhere(id, COUNTRIES)).toEqual([]);
    await catalog.publishTitle(id, { countries: ['FR'] });
    expect(await stored(id)).toEqual({ FR: 3 });
    expect(await shownWhere(id, COUNTRIES)).toEqual(['FR']);
  });

  it('a publication that dies before its record lands shows no new country; the next one clears its leftovers', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US', 'GB'] });
    const dies = createCatalog(
      dying(clients, (c) => c instanceof UpdateCommand),
      config.resources,
    );
    await expect(dies.publishTitle(id, { countries: ['GB', 'FR', 'DE'] })).rejects.toThrow();
    // Its projections are there (the test would prove nothing otherwise), but no reader shows them.
    expect(Object.keys(await stored(id)).sort()).toEqual(['DE', 'FR', 'GB', 'US']);
    expect(await shownWhere(id, COUNTRIES)).toEqual(['US', 'GB']);
    expect((await catalog.getTitle(id)).availability).toEqual({ countries: ['US', 'GB'] });
    await catalog.publishTitle(id, { countries: ['US'] });
    expect(await stored(id)).toEqual({ US: 2 });
    expect(await shownWhere(id, COUNTRIES)).toEqual(['US']);
  });

  it('a publication that dies after its record lands shows no removed country; the next change clears them', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US', 'GB', 'FR'] });
    const dies = createCatalog(
      dying(clients, (_, sent) => sent.some((c) => c instanceof UpdateCommand)),
      config.resources,
    );
    await expect(dies.publishTitle(id, { countries: ['US'] })).rejects.toThrow();
    expect(Object.keys(await stored(id)).sort()).toEqual(['FR', 'GB', 'US']);
    expect((await catalog.getTitle(id)).availability).toEqual({ countries: ['US'] });
    expect(await shownWhere(id, COUNTRIES)).toEqual(['US']);
    await catalog.unpublishTitle(id);
    expect(await stored(id)).toEqual({});
  });

  it('of two publications that read the same record, one wins and the other leaves nothing behind', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US'] });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The slow one has written its projections and waits at its record while the fast one runs whole.
    const slowClients = dying(clients, () => false);
    const inner = slowClients.documents();
    const slow = createCatalog(
      {
        ...slowClients,
        documents: () =>
          ({
            send: async (c: object) => {
              if (c instanceof UpdateCommand) await held;
              return inner.send(c as never);
            },
          }) as unknown as ReturnType<AwsClients['documents']>,
      },
      config.resources,
    );
    const slowRun = slow.publishTitle(id, { countries: ['GB', 'DE'] });
    const slowOutcome = slowRun.then(
      () => 'published',
      (err: { code?: string }) => err.code,
    );
    // Wait until the slow one's projections are in the table.
    for (let i = 0; i < 100 && !('DE' in (await stored(id))); i++) await new Promise((r) => setTimeout(r, 20));
    await catalog.publishTitle(id, { countries: ['FR'] });
    release();
    expect(await slowOutcome).toBe('CONFLICT');
    const record = await catalog.getTitle(id);
    expect(record.availability).toEqual({ countries: ['FR'] });
    expect(Object.keys(await stored(id))).toEqual(['FR']);
    expect(await shownWhere(id, COUNTRIES)).toEqual(['FR']);
  });

  it('clears projections written before generations existed', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US'] });
    await clients.documents().send(
      new PutCommand({
        TableName: config.resources.catalogTable,
        Item: {
          PK: `VIDEO#${id}`,
          SK: 'AVAILABILITY#GB',
          titleId: id,
          name: 'old',
          GSI2PK: 'COUNTRY#GB',
          GSI2SK: `2020-01-01T00:00:00.000Z#${id}`,
        },
      }),
    );
    expect(await shownWhere(id, COUNTRIES)).toEqual(['US']);
    await catalog.publishTitle(id, { countries: ['US', 'FR'] });
    expect(await stored(id)).toEqual({ US: 2, FR: 2 });
  });

  it('shows nothing of a published title that went back to UPLOADING (re-ingest), though its projections stay', async () => {
    const id = await title();
    await catalog.publishTitle(id, { countries: ['US'] });
    await catalog.setStatus(id, 'UPLOADING');
    expect(await stored(id)).toEqual({ US: 1 });
    expect(await shownWhere(id, COUNTRIES)).toEqual([]);
  });
});
