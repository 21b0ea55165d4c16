import { describe, expect, it } from 'vitest';
import { resourceNames } from '../config/index.js';
import { catalogTable, PLATFORM_RESOURCES, physicalName, toCreateTableInput } from './index.js';

describe('table definitions render into CreateTable requests', () => {
  it.each(PLATFORM_RESOURCES.tables.map((t) => [t.nameKey, t] as const))('%s', (_, definition) => {
    const input = toCreateTableInput(definition, 'streamctl-test-x');
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    const keyNames = [
      definition.partitionKey,
      definition.sortKey,
      ...definition.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ]
      .filter((k) => k !== undefined)
      .map((k) => k.name);
    const defined = (input.AttributeDefinitions ?? []).map((a) => a.AttributeName);
    expect(defined.sort()).toEqual([...new Set(keyNames)].sort());
    expect((input.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName)).toEqual(
      definition.globalSecondaryIndexes.map((i) => i.indexName),
    );
  });

  it('browses the catalog by genre and by country', () => {
    expect(catalogTable.globalSecondaryIndexes.map((i) => i.indexName)).toEqual(['byGenre', 'byCountry']);
  });

  it('names every resource from the stage', () => {
    const names = resourceNames('qa', 'us-west-2');
    expect(
      [...PLATFORM_RESOURCES.tables, ...PLATFORM_RESOURCES.streams, ...PLATFORM_RESOURCES.buckets].map((d) =>
        physicalName(d, names),
      ),
    ).toEqual([
      'streamctl-qa-catalog',
      'streamctl-qa-user-state',
      'streamctl-qa-platform',
      'streamctl-qa-control',
      'streamctl-qa-events',
      'streamctl-qa-raw-us-west-2',
      'streamctl-qa-cdn-us-west-2',
    ]);
  });
});
