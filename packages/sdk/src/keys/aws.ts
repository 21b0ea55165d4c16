/**
 * The key backend of an AWS stage: the set in the stage's Secrets Manager
 * secret (in the primary Region, replicated to every other Region of the
 * stage, where each Region's API reads it), public keys and the key group in
 * CloudFront. `streamctl keys` owns the key group: the first rotation of a
 * stage creates it, and the CDK app is given its ID (`keyGroupId` in the
 * infra config) and never changes its keys, so a deploy cannot undo a
 * rotation.
 */
import { randomUUID } from 'node:crypto';
import {
  type CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeletePublicKeyCommand,
  GetDistributionCommand,
  GetKeyGroupCommand,
  GetPublicKeyCommand,
  type KeyGroupConfig,
  ListDistributionsByKeyGroupCommand,
  UpdateKeyGroupCommand,
} from '@aws-sdk/client-cloudfront';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretNames } from '../config/index.js';
import { ErrorCode, StreamctlError, wrapAwsError } from '../errors/index.js';
import { KEY_SET_CONFLICT_HINT, keySetChanged } from './conflict.js';
import type { KeyBackend, StoredKeySet } from './rotate.js';
import { parseSigningKeySet, type SigningKeySet, serializeSigningKeySet } from './set.js';

/** What the operator's role needs for `streamctl keys`. */
export const KEYS_IAM_ACTIONS = [
  'cloudfront:CreatePublicKey',
  'cloudfront:GetPublicKey',
  'cloudfront:DeletePublicKey',
  'cloudfront:CreateKeyGroup',
  'cloudfront:GetKeyGroup',
  'cloudfront:UpdateKeyGroup',
  'cloudfront:ListDistributionsByKeyGroup',
  'cloudfront:GetDistribution',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:CreateSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:ReplicateSecretToRegions',
] as const;

/** The Secrets Manager client module, loaded on first use: importing the SDK stays light. */
const secretsModule = () => import('@aws-sdk/client-secrets-manager');

/** Attempts at a key group update that loses a race (`PreconditionFailed`) before giving up. */
const KEY_GROUP_ATTEMPTS = 3;

/**
 * Wraps an error of a `keys` call: refused permissions, a lost `IfMatch` race, a missing key
 * group and a full key group get their own message and next step; the rest as every AWS error.
 */
export function wrapKeysError(err: unknown, operation: string, subject: string): StreamctlError {
  if (err instanceof StreamctlError) return err;
  const name = (err as { name?: string } | undefined)?.name ?? '';
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new StreamctlError(ErrorCode.Forbidden, `${operation} (${subject}) was refused: missing permission`, {
      cause: err,
      hint: `run as a role that may call ${operation} (streamctl keys needs ${KEYS_IAM_ACTIONS.join(', ')})`,
      details: { operation, awsCode: name },
    });
  }
  if (name === 'PreconditionFailed' || name === 'InvalidIfMatchVersion') {
    return new StreamctlError(
      ErrorCode.Conflict,
      `${operation} (${subject}): someone else changed it at the same time`,
      {
        cause: err,
        hint: 'run `streamctl keys rotate` again: it picks up where this run stopped',
        details: { operation, awsCode: name },
      },
    );
  }
  if (name === 'KeyGroupAlreadyExists') {
    // Two first rotations of a stage: the other run made the group (and makes the set).
    return new StreamctlError(ErrorCode.Conflict, `${operation} (${subject}): another run made the key group first`, {
      cause: err,
      hint: KEY_SET_CONFLICT_HINT,
      details: { operation, awsCode: name },
    });
  }
  if (name === 'NoSuchResource' && operation.includes('KeyGroup')) {
    return new StreamctlError(ErrorCode.ResourceNotFound, `${operation}: the key group ${subject} does not exist`, {
      cause: err,
      hint: 'pass the key group the distribution trusts with `streamctl keys rotate --key-group <id>`',
      details: { operation, awsCode: name },
    });
  }
  if (name === 'TooManyPublicKeysInKeyGroup') {
    return new StreamctlError(
      ErrorCode.Conflict,
      `${operation} (${subject}): the key group holds as many keys as it may`,
      {
        cause: err,
        hint: 'retire keys past their retireAfter with `streamctl keys retire`, then rotate again',
        details: { operation, awsCode: name },
      },
    );
  }
  return wrapAwsError(err, operation, subject);
}

/** Options of {@link awsKeyBackend}. */
export interface AwsKeyBackendOptions {
  stage: string;
  /** Regions of the stage, the primary first: the secret lives in the first, replicas in the rest. */
  regions: string[];
  cloudFront: () => CloudFrontClient;
  /** A client of the primary Region (made on first use: its module loads lazily). */
  secretsManager: () => Promise<SecretsManagerClient>;
  /** How long the API keeps a set it read, in seconds (its secret cache). */
  signerCacheSeconds: number;
  /**
   * Seconds after publishing a key before signing may switch to it, besides every distribution of the
   * group reporting `Deployed`: CloudFront documents no status for a key group's own propagation, so a
   * margin stands in for it. Default 300.
   */
  keyGroupSettleSeconds?: number;
}

/**
 * The key backend of an AWS stage.
 *
 * @example
 * ```ts
 * const backend = awsKeyBackend({ stage: 'prod', regions: ['us-east-1', 'eu-west-1'], cloudFront, secretsManager, signerCacheSeconds: 300 });
 * ```
 */
export function awsKeyBackend(options: AwsKeyBackendOptions): KeyBackend {
  const secretId = secretNames(options.stage).cloudFrontSigning;
  const [primary = 'us-east-1', ...replicas] = options.regions;
  const cf = options.cloudFront;
  const sm = options.secretsManager;
  let replicasChecked = false;

  async function call<T>(operation: string, subject: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw wrapKeysError(err, operation, subject);
    }
  }

  /** Adds the missing replica Regions of an existing secret, once per backend. */
  async function ensureReplicas(): Promise<void> {
    if (replicasChecked || replicas.length === 0) return;
    const { DescribeSecretCommand, ReplicateSecretToRegionsCommand } = await secretsModule();
    const client = await sm();
    const described = await call('secretsmanager:DescribeSecret', secretId, () =>
      client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    const present = new Set((described.ReplicationStatus ?? []).map((r) => r.Region));
    const missing = replicas.filter((r) => !present.has(r));
    if (missing.length > 0) {
      await call('secretsmanager:ReplicateSecretToRegions', secretId, () =>
        client.send(
          new ReplicateSecretToRegionsCommand({
            SecretId: secretId,
            AddReplicaRegions: missing.map((Region) => ({ Region })),
          }),
        ),
      );
    }
    replicasChecked = true;
  }

  /** Reads the group, changes its items, writes it back with IfMatch; again on a lost race. */
  async function editGroup(keyGroupId: string, edit: (items: string[]) => string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const got = await call('cloudfront:GetKeyGroup', keyGroupId, () =>
        cf().send(new GetKeyGroupCommand({ Id: keyGroupId })),
      );
      const config = got.KeyGroup?.KeyGroupConfig;
      if (!config || !got.ETag) {
        throw new StreamctlError(
          ErrorCode.AwsError,
          `cloudfront:GetKeyGroup (${keyGroupId}) answered no config or ETag`,
        );
      }
      const items = config.Items ?? [];
      const next = edit(items);
      if (next.length === items.length && next.every((id) => items.includes(id))) return;
      const KeyGroupConfig: KeyGroupConfig = {
        Name: config.Name,
        Items: next,
        ...(config.Comment !== undefined ? { Comment: config.Comment } : {}),
      };
      try {
        await cf().send(new UpdateKeyGroupCommand({ Id: keyGroupId, IfMatch: got.ETag, KeyGroupConfig }));
        return;
      } catch (err) {
        const name = (err as { name?: string }).name;
        // Someone changed the group between our read and write: read it again and redo the edit.
        if (name === 'PreconditionFailed' && attempt < KEY_GROUP_ATTEMPTS) continue;
        throw wrapKeysError(err, 'cloudfront:UpdateKeyGroup', keyGroupId);
      }
    }
  }

  /** The secret's AWSCURRENT value and its version ID; undefined when there is no secret. */
  async function fetchCurrent(): Promise<{ text: string; versionId: string | undefined } | undefined> {
    const { GetSecretValueCommand } = await secretsModule();
    const client = await sm();
    let got: { SecretString?: string | undefined; VersionId?: string | undefined };
    try {
      got = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw wrapKeysError(err, 'secretsmanager:GetSecretValue', secretId);
    }
    return got.SecretString ? { text: got.SecretString, versionId: got.VersionId } : undefined;
  }

  async function load(): Promise<StoredKeySet | undefined> {
    const current = await fetchCurrent();
    if (!current) return undefined;
    // Without it no write could be conditional: refused rather than written blind.
    if (!current.versionId)
      throw new StreamctlError(ErrorCode.AwsError, `secretsmanager:GetSecretValue (${secretId}) answered no VersionId`);
    return { set: parseSigningKeySet(current.text, `secret ${secretId}`), version: current.versionId };
  }

  /** The ID of the version AWSCURRENT is attached to now. */
  async function currentVersion(client: SecretsManagerClient): Promise<string | undefined> {
    const { DescribeSecretCommand } = await secretsModule();
    const described = await call('secretsmanager:DescribeSecret', secretId, () =>
      client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  }

  return {
    kind: 'aws',
    location: `secret ${secretId} (${primary})`,
    signerCacheSeconds: options.signerCacheSeconds,
    keyGroupSettleSeconds: options.keyGroupSettleSeconds ?? 300,

    async read(): Promise<SigningKeySet | undefined> {
      const current = await fetchCurrent();
      return current ? parseSigningKeySet(current.text, `secret ${secretId}`) : undefined;
    },

    load,

    async write(set, expected) {
      const { CreateSecretCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand } = await secretsModule();
      const client = await sm();
      const SecretString = serializeSigningKeySet(set);
      // The version's ID; also the idempotency token, so a retried request cannot make a second version.
      const ClientRequestToken = randomUUID();
      const location = `secret ${secretId} (${primary})`;
      if (expected === undefined) {
        try {
          await client.send(
            new CreateSecretCommand({
              Name: secretId,
              Description: `streamctl ${options.stage}: CloudFront key pairs that sign playback (streamctl keys)`,
              SecretString,
              ClientRequestToken,
              ...(replicas.length > 0 ? { AddReplicaRegions: replicas.map((Region) => ({ Region })) } : {}),
            }),
          );
        } catch (err) {
          if ((err as { name?: string }).name === 'ResourceExistsException')
            throw keySetChanged(location, { cause: err, why: 'another run made the secret first' });
          throw wrapKeysError(err, 'secretsmanager:CreateSecret', secretId);
        }
        replicasChecked = true;
        return ClientRequestToken;
      }
      await ensureReplicas();
      // Secrets Manager's own compare-and-swap, chosen over a lease item in the stage's control
      // table. PutSecretValue alone moves AWSCURRENT unconditionally (its ClientRequestToken only
      // makes a retry idempotent), so the new version is put under AWSPENDING only, where no reader
      // looks (the API reads AWSCURRENT), and AWSCURRENT is then moved to it with
      // RemoveFromVersionId = the version this run read: Secrets Manager refuses the move when the
      // label is on another version by then, so of two writers over one version exactly one moves
      // it. A lease would have to outlive a rotation's wait for the deployment (up to 20 minutes)
      // and expire after a crashed operator, and would put a second store, in other Regions than
      // the secret's, in the path; the label needs neither, and a loser's version is left with no
      // reader (the next put takes AWSPENDING from it).
      await call('secretsmanager:PutSecretValue', secretId, () =>
        client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            SecretString,
            ClientRequestToken,
            VersionStages: ['AWSPENDING'],
          }),
        ),
      );
      try {
        await client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: ClientRequestToken,
            RemoveFromVersionId: expected,
          }),
        );
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name !== 'InvalidRequestException' && name !== 'InvalidParameterException')
          throw wrapKeysError(err, 'secretsmanager:UpdateSecretVersionStage', secretId);
        // Told apart by where the label is, not by the error's wording: a lost race is one.
        const current = await currentVersion(client);
        if (current !== expected) throw keySetChanged(location, { cause: err });
        throw wrapKeysError(err, 'secretsmanager:UpdateSecretVersionStage', secretId);
      }
      return ClientRequestToken;
    },

    async createPublicKey(publicKeyPem, createdAt) {
      const stamp = new Date(createdAt).toISOString().replace(/[-:.]/g, '').slice(0, 15);
      const out = await call('cloudfront:CreatePublicKey', `stage ${options.stage}`, () =>
        cf().send(
          new CreatePublicKeyCommand({
            PublicKeyConfig: {
              CallerReference: randomUUID(),
              Name: `streamctl-${options.stage}-${stamp}`,
              EncodedKey: publicKeyPem,
              Comment: `streamctl ${options.stage}: signs playback URLs and cookies`,
            },
          }),
        ),
      );
      const id = out.PublicKey?.Id;
      if (!id) throw new StreamctlError(ErrorCode.AwsError, 'cloudfront:CreatePublicKey answered no public key ID');
      return id;
    },

    async addToKeyGroup(keyGroupId, keyPairId) {
      if (keyGroupId) {
        await editGroup(keyGroupId, (items) => (items.includes(keyPairId) ? items : [...items, keyPairId]));
        return keyGroupId;
      }
      const name = `streamctl-${options.stage}-signing`;
      const out = await call('cloudfront:CreateKeyGroup', name, () =>
        cf().send(
          new CreateKeyGroupCommand({
            KeyGroupConfig: {
              Name: name,
              Items: [keyPairId],
              Comment: `streamctl ${options.stage}: keys that sign playback (owned by streamctl keys)`,
            },
          }),
        ),
      );
      const id = out.KeyGroup?.Id;
      if (!id) throw new StreamctlError(ErrorCode.AwsError, 'cloudfront:CreateKeyGroup answered no key group ID');
      return id;
    },

    async removeFromKeyGroup(keyGroupId, keyPairIds) {
      if (!keyGroupId) return;
      await editGroup(keyGroupId, (items) => items.filter((id) => !keyPairIds.includes(id)));
    },

    async keyGroupDeployed(keyGroupId) {
      if (!keyGroupId) return true;
      const listed = await call('cloudfront:ListDistributionsByKeyGroup', keyGroupId, () =>
        cf().send(new ListDistributionsByKeyGroupCommand({ KeyGroupId: keyGroupId })),
      );
      for (const id of listed.DistributionIdList?.Items ?? []) {
        const got = await call('cloudfront:GetDistribution', id, () =>
          cf().send(new GetDistributionCommand({ Id: id })),
        );
        if (got.Distribution?.Status !== 'Deployed') return false;
      }
      return true;
    },

    async deletePublicKey(keyPairId) {
      let etag: string | undefined;
      try {
        etag = (await cf().send(new GetPublicKeyCommand({ Id: keyPairId }))).ETag;
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchPublicKey') return;
        throw wrapKeysError(err, 'cloudfront:GetPublicKey', keyPairId);
      }
      try {
        await cf().send(new DeletePublicKeyCommand({ Id: keyPairId, IfMatch: etag }));
      } catch (err) {
        // Another run retiring the same key deleted it between our read and our delete.
        if ((err as { name?: string }).name === 'NoSuchPublicKey') return;
        throw wrapKeysError(err, 'cloudfront:DeletePublicKey', keyPairId);
      }
    },
  };
}
