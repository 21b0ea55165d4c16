/**
 * Which engine a stage searches with: OpenSearch when the stage names an
 * endpoint (the CDK app's collection), else the embedded engine persisted in
 * the data dir (the local stage, LocalStack or other emulators). An AWS stage without an
 * endpoint has no search: asking fails with the setting to fix.
 *
 * @module
 */
import { join } from 'node:path';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { createEmbeddedSearchEngine } from './embedded.js';
import type { SearchEngine } from './types.js';

/**
 * The embedded index file of a Region in a data dir.
 *
 * @example
 * ```ts
 * embeddedIndexFile('.streamctl/local', 'us-east-1'); // ".streamctl/local/search/us-east-1.json"
 * ```
 */
export function embeddedIndexFile(dataDir: string, region: string): string {
  return join(dataDir, 'search', `${region}.json`);
}

/** The OpenSearch index of a stage when the config does not name one. */
export const defaultSearchIndex = (stage: string) => `streamctl-${stage}-titles`;

/**
 * The search engine of a stage. OpenSearch's client loads on first use, so
 * commands that never search do not pay for it.
 *
 * @example
 * ```ts
 * const engine = searchEngineFor(config);
 * ```
 */
export function searchEngineFor(config: StreamctlConfig): SearchEngine {
  const { endpoint } = config.search;
  if (!endpoint) {
    if (config.stage !== LOCAL_STAGE && !config.endpointUrl && !config.endpoints) return unconfigured(config.stage);
    return createEmbeddedSearchEngine({ file: embeddedIndexFile(config.dataDir, config.region) });
  }
  let engine: Promise<SearchEngine> | undefined;
  const load = () => {
    engine ??= import('./opensearch.js').then(({ createOpenSearchEngine }) =>
      createOpenSearchEngine({
        endpoint,
        index: config.search.index ?? defaultSearchIndex(config.stage),
        region: config.region,
        service: config.search.service ?? 'aoss',
      }),
    );
    return engine;
  };
  return {
    kind: 'opensearch',
    upsert: async (doc) => (await load()).upsert(doc),
    remove: async (titleId) => (await load()).remove(titleId),
    replaceAll: async (docs) => (await load()).replaceAll(docs),
    exists: async () => (await load()).exists(),
    count: async () => (await load()).count(),
    query: async (query) => (await load()).query(query),
    close: async () => {
      if (engine) await (await engine).close();
    },
  };
}

/** An AWS stage without a search endpoint: every call says what to set. */
function unconfigured(stage: string): SearchEngine {
  const fail = async (): Promise<never> => {
    throw new ConfigError(`Stage ${stage} has no search endpoint`, {
      hint: 'set STREAMCTL_SEARCH_ENDPOINT (or search.endpoint in streamctl.config.json) to the collection endpoint the CDK app outputs',
    });
  };
  return {
    kind: 'opensearch',
    upsert: fail,
    remove: fail,
    replaceAll: fail,
    exists: fail,
    count: fail,
    query: fail,
    close: async () => {},
  };
}
