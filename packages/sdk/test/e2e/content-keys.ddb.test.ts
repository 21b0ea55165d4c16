import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  type Catalog,
  type ContentKeys,
  createAwsClients,
  createCatalog,
  createContentKeys,
  createLocalKeyWrapper,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`content keys (${target.kind})`, () => {
  let clients: AwsClients;
  let catalog: Catalog;
  let keys: ContentKeys;
  let table: string;
  const kek = randomBytes(32);
  const titleId = `sealed-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    table = config.resources.catalogTable;
    catalog = createCatalog(clients, config.resources);
    keys = createContentKeys(clients, config.resources, createLocalKeyWrapper(kek));
    await catalog.putTitle({ titleId, name: 'Sealed', genres: [] });
  });
  afterAll(() => clients?.destroy());

  it('stores a key wrapped beside its title and reads it back; the title itself is unchanged', async () => {
    const issued = await keys.issue(titleId);
    expect(issued.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(issued.key).toHaveLength(16);
    const item = (
      await clients
        .documents()
        .send(new GetCommand({ TableName: table, Key: { PK: `VIDEO#${titleId}`, SK: `KEY#${issued.keyId}` } }))
    ).Item as Record<string, unknown>;
    // What the table holds is the wrapped key (a binary attribute), never the key.
    expect(item.wrapped).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(item.wrapped as Uint8Array).includes(Buffer.from(issued.key))).toBe(false);
    expect(JSON.stringify(item)).not.toContain(Buffer.from(issued.key).toString('hex'));
    expect(item.wrappedBy).toMatch(/^local:/);
    // A store with a cold cache unwraps it from the table.
    const fresh = createContentKeys(clients, { catalogTable: table }, createLocalKeyWrapper(kek));
    expect(Buffer.from(await fresh.key(titleId, issued.keyId))).toEqual(Buffer.from(issued.key));
    const title = await catalog.getTitle(titleId);
    expect(title).toMatchObject({ titleId, name: 'Sealed', renditions: [] });
    expect(JSON.stringify(title)).not.toContain('KEY#');
  });

  it('answers NOT_FOUND for an unknown key, a key of another title and a malformed id', async () => {
    const { keyId } = await keys.issue(titleId);
    await expect(keys.key(titleId, 'f'.repeat(32))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(keys.key(`${titleId}-other`, keyId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(keys.key(titleId, '../METADATA')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('does not unwrap with another key-encryption key', async () => {
    const { keyId } = await keys.issue(titleId);
    const stranger = createContentKeys(clients, { catalogTable: table }, createLocalKeyWrapper(randomBytes(32)));
    await expect(stranger.key(titleId, keyId)).rejects.toThrow(/does not unwrap/);
  });

  it('lists keys without their bytes and retires all but the ones kept', async () => {
    const listed = await keys.list(titleId);
    expect(listed.length).toBeGreaterThanOrEqual(3);
    for (const k of listed) expect(Object.keys(k).sort()).toEqual(['createdAt', 'keyId', 'wrappedBy']);
    const keep = listed.at(-1)?.keyId as string;
    expect(await keys.retire(titleId, [keep])).toBe(listed.length - 1);
    expect((await keys.list(titleId)).map((k) => k.keyId)).toEqual([keep]);
    // A retired key is gone for good, from the cache of the store that retired it too.
    await expect(keys.key(titleId, listed[0]?.keyId as string)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
