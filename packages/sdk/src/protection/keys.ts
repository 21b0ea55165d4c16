/**
 * The content key store: 16-byte AES keys per title, made by the SDK,
 * wrapped before they are written (see `wrap.ts`) and kept in the catalog
 * table beside the title (`PK = VIDEO#<id>`, `SK = KEY#<keyId>`), never in
 * the CDN bucket. A key id is 32 hex characters; it names the key in
 * manifests and routes and is not secret.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LRUCache } from 'lru-cache';
import type { AwsClients } from '../aws/index.js';
import { titlePartition } from '../catalog/items.js';
import type { ResourceNames } from '../config/index.js';
import { NotFoundError, wrapAwsError } from '../errors/index.js';
import type { ContentKey } from '../transcoder/index.js';
import type { KeyWrapper } from './wrap.js';

/** A content key id: 32 lowercase hex characters. */
export const KEY_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The sort key prefix of a title's content keys. */
export const KEY_PREFIX = 'KEY#';

/** The API path of a content key: what manifests name and the key route serves. */
export const keyPath = (titleId: string, keyId: string) => `/v1/keys/${titleId}/${keyId}`;

/** A stored key as operators may see it: never its bytes. */
export interface ContentKeyInfo {
  keyId: string;
  createdAt: string;
  /** The key-encryption key that wraps it (`kms:<key>` or `local:<fingerprint>`). */
  wrappedBy: string;
}

/** A title's content keys. */
export interface ContentKeys {
  /** Makes a new key for a title and stores it wrapped. */
  issue(titleId: string): Promise<ContentKey>;
  /** A title's key; `NOT_FOUND` for a key the title does not have. */
  key(titleId: string, keyId: string): Promise<Uint8Array>;
  /** A title's keys, without their bytes, oldest first. */
  list(titleId: string): Promise<ContentKeyInfo[]>;
  /** Deletes a title's keys other than `keep` (a re-encrypted title's old keys); how many went. */
  retire(titleId: string, keep: string[]): Promise<number>;
}

/** Options of {@link createContentKeys}. */
export interface ContentKeysOptions {
  /** Unwrapped keys kept in memory, so a popular title's key costs one unwrap per period. Default 10 000. */
  cacheSize?: number;
  /** How long an unwrapped key is kept, in ms. Default 5 minutes. */
  cacheMs?: number;
}

/**
 * Creates the content key store of a stage.
 *
 * @example
 * ```ts
 * const keys = createContentKeys(clients, config.resources, keyWrapperFor(config, clients));
 * const { keyId } = await keys.issue('t1');
 * const key = await keys.key('t1', keyId); // 16 bytes
 * ```
 */
export function createContentKeys(
  clients: Pick<AwsClients, 'documents'>,
  names: Pick<ResourceNames, 'catalogTable'>,
  wrapper: KeyWrapper,
  options: ContentKeysOptions = {},
): ContentKeys {
  const TableName = names.catalogTable;
  const cache = new LRUCache<string, Uint8Array>({ max: options.cacheSize ?? 10_000, ttl: options.cacheMs ?? 300_000 });
  const itemKey = (titleId: string, keyId: string) => ({ PK: titlePartition(titleId), SK: `${KEY_PREFIX}${keyId}` });
  const unknown = (titleId: string, keyId: string) =>
    new NotFoundError(`Title ${titleId} has no key ${keyId}`, { details: { titleId, keyId } });

  return {
    async issue(titleId) {
      const keyId = randomBytes(16).toString('hex');
      const key = randomBytes(16);
      const wrapped = await wrapper.wrap(key, { titleId, keyId });
      try {
        await clients.documents().send(
          new PutCommand({
            TableName,
            Item: {
              ...itemKey(titleId, keyId),
              titleId,
              keyId,
              wrapped,
              wrappedBy: wrapper.id,
              createdAt: new Date().toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        );
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:PutItem', `content key of ${titleId}`);
      }
      return { keyId, key };
    },

    async key(titleId, keyId) {
      if (!KEY_ID_PATTERN.test(keyId)) throw unknown(titleId, keyId);
      const cached = cache.get(`${titleId}/${keyId}`);
      if (cached) return cached;
      let item: Record<string, unknown> | undefined;
      try {
        const out = await clients.documents().send(new GetCommand({ TableName, Key: itemKey(titleId, keyId) }));
        item = out.Item;
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:GetItem', `content key ${keyId} of ${titleId}`);
      }
      if (!item?.wrapped) throw unknown(titleId, keyId);
      const key = await wrapper.unwrap(item.wrapped as Uint8Array, { titleId, keyId });
      cache.set(`${titleId}/${keyId}`, key);
      return key;
    },

    async list(titleId) {
      const keys: ContentKeyInfo[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        try {
          const out = await clients.documents().send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :k)',
              ExpressionAttributeValues: { ':pk': titlePartition(titleId), ':k': KEY_PREFIX },
              ProjectionExpression: 'keyId, createdAt, wrappedBy',
              ExclusiveStartKey: start,
            }),
          );
          for (const i of out.Items ?? []) {
            keys.push({ keyId: String(i.keyId), createdAt: String(i.createdAt), wrappedBy: String(i.wrappedBy) });
          }
          start = out.LastEvaluatedKey;
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:Query', `content keys of ${titleId}`);
        }
      } while (start);
      return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async retire(titleId, keep) {
      const kept = new Set(keep);
      let gone = 0;
      for (const k of await this.list(titleId)) {
        if (kept.has(k.keyId)) continue;
        try {
          await clients.documents().send(new DeleteCommand({ TableName, Key: itemKey(titleId, k.keyId) }));
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:DeleteItem', `content key ${k.keyId} of ${titleId}`);
        }
        cache.delete(`${titleId}/${k.keyId}`);
        gone++;
      }
      return gone;
    },
  };
}
