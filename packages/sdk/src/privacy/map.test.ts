/**
 * The privacy map names every store. A resource added to the stage, or a
 * partition-key prefix written anywhere in the code, without an entry here
 * fails these tests (the e2e privacy test checks the same of every table
 * row and cache key a full scenario leaves behind).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rateLimitBucketKey } from '../cache/index.js';
import { resourceNames } from '../config/index.js';
import {
  CACHE_KEY_PREFIXES,
  PRIVACY_MAP,
  storeOfCacheKey,
  storeOfPartition,
  TABLE_PARTITIONS,
  VIEWER_STORES,
  viewerCacheKeys,
} from './map.js';

const PACKAGES = join(import.meta.dirname, '../../..');

/** Sort-key and index-key prefixes: they live inside a partition the map names (which one is given). */
const INNER_PREFIXES: Record<string, string> = {
  'WATCHLIST#': 'USER#',
  'PROGRESS#': 'USER#',
  'HISTORY#': 'USER#',
  'PLAYBACK#': 'USER#',
  'CANARY#': 'ROUTING',
  'SHARD#': 'CHECKPOINT#',
  'SEASON#': 'VIDEO#',
  'EPISODE#': 'VIDEO#',
  'RENDITION#': 'VIDEO#',
  'KEY#': 'VIDEO#',
  'AVAILABILITY#': 'VIDEO#',
  'GENRE#': 'VIDEO#',
  'COUNTRY#': 'VIDEO#',
  'T#': 'UPROF#',
  'G#': 'UPROF#',
  'VERSION#': 'UPROF#',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the privacy map', () => {
  it('has an entry for every resource of a stage, and unique ids', () => {
    const resources = Object.keys(resourceNames('prod', 'eu-west-1'));
    for (const resource of resources) {
      expect(
        PRIVACY_MAP.some((s) => s.resource === resource),
        `${resource} has no entry`,
      ).toBe(true);
    }
    const ids = PRIVACY_MAP.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('maps every partition prefix and cache key prefix to an entry, and every viewer store holds viewer data', () => {
    for (const list of [...Object.values(TABLE_PARTITIONS), CACHE_KEY_PREFIXES]) {
      for (const { prefix, store } of list)
        expect(
          PRIVACY_MAP.map((s) => s.id),
          prefix,
        ).toContain(store);
    }
    for (const id of VIEWER_STORES) expect(PRIVACY_MAP.find((s) => s.id === id)?.holds).toBe('viewer');
    // Each entry says what it holds, for how long and what erasure does.
    for (const s of PRIVACY_MAP) {
      expect(s.what.length * s.retention.length * s.erasure.length * s.keys.length, s.id).toBeGreaterThan(0);
    }
  });

  it("finds a viewer's rows and cache keys by their keys", () => {
    expect(storeOfPartition('userStateTable', 'USER#alice')?.id).toBe('user-state');
    expect(storeOfPartition('userStateTable', 'UPROF#alice')?.id).toBe('models');
    expect(storeOfPartition('platformTable', 'VIEWERREF#alice')?.id).toBe('dead-letters');
    expect(storeOfPartition('userStateTable', 'POP#eu-west-1#GB#3')?.holds).toBe('aggregate');
    expect(storeOfPartition('platformTable', 'SOMETHING#new')).toBeUndefined();
    for (const key of viewerCacheKeys('alice')) expect(storeOfCacheKey(key)?.id).toBe('cache');
    expect(storeOfCacheKey('title:t1')?.holds).toBe('none');
    expect(storeOfCacheKey(rateLimitBucketKey('ip', '203.0.113.9'))?.id).toBe('shared-cache');
    expect(storeOfCacheKey('rate:user:alice')?.id).toBe('cache');
    expect(storeOfCacheKey('newthing:alice')).toBeUndefined();
  });

  it('knows every key prefix the code writes (a new one needs an entry, or its partition named here)', () => {
    const partitions = Object.values(TABLE_PARTITIONS)
      .flat()
      .map((p) => p.prefix);
    const found = new Map<string, string>();
    for (const pkg of ['sdk', 'server', 'workers', 'local', 'cli']) {
      for (const file of sources(join(PACKAGES, pkg, 'src'))) {
        const text = readFileSync(file, 'utf8');
        // `PREFIX#${…}` templates and 'PREFIX#…' literals: the shape every key of the single-table design has.
        for (const m of text.matchAll(/[`'](([A-Z][A-Z_-]*)#)(?:\$\{|[A-Z]|')/g)) found.set(m[1] as string, file);
        for (const m of text.matchAll(/\bPK: '([A-Z][A-Z_-]*)'/g)) found.set(m[1] as string, file);
      }
    }
    expect(found.size).toBeGreaterThan(10);
    for (const [prefix, file] of found) {
      const known = partitions.includes(prefix) || INNER_PREFIXES[prefix] !== undefined;
      expect(known, `${prefix} (written in ${file}) is not in the privacy map`).toBe(true);
    }
    // The inner prefixes' partitions are themselves in the map.
    for (const partition of new Set(Object.values(INNER_PREFIXES))) expect(partitions).toContain(partition);
  });
});
