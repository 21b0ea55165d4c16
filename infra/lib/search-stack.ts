/**
 * Search: the Region's OpenSearch Serverless search collection that holds
 * the catalog index (`streamctl-<stage>-titles`), its encryption and network
 * security policies, and the data access policy naming the two roles that
 * use it (the API server reads, the search worker writes).
 *
 * These are constructs, not a stack of their own, because of where their
 * references point. The API stack holds the collection: the API server needs
 * its endpoint, and the API stack takes no cross-stack references (it stays
 * deployable on its own; `platform.test.ts` checks it imports nothing). The
 * streaming stack, which deploys after it in the same Region, holds the search
 * worker and the data access policy, which names the worker's role (its own)
 * and the server's role (imported from the API stack), so the worker can
 * write from the deploy that creates it.
 *
 * @module
 */
import { defaultSearchIndex } from '@streamctl/sdk';
import { Stack } from 'aws-cdk-lib';
import { type IGrantable, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnAccessPolicy, CfnCollection, CfnSecurityPolicy } from 'aws-cdk-lib/aws-opensearchserverless';
import { Construct } from 'constructs';

/** OpenSearch Serverless limits collection and policy names to 32 characters. */
const MAX_NAME = 32;

/**
 * The collection of a stage, also the name of its three policies (names are
 * unique per policy type): `streamctl-<stage>-titles`, or `sc-<stage>-titles`
 * when that is over 32 characters (stages of more than 15 characters).
 *
 * @example
 * ```ts
 * searchCollectionName('prod'); // "streamctl-prod-titles"
 * ```
 */
export function searchCollectionName(stage: string): string {
  const full = `streamctl-${stage}-titles`;
  return full.length <= MAX_NAME ? full : `sc-${stage}-titles`;
}

/** What each role may do with documents of the index (OpenSearch Serverless data permissions). */
export const SEARCH_PERMISSIONS = {
  /** The API server: search and look at the index. */
  read: ['aoss:ReadDocument', 'aoss:DescribeIndex'],
  /** The search worker: create the index with its mapping, write and rebuild it. */
  write: ['aoss:ReadDocument', 'aoss:WriteDocument', 'aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex'],
} as const;

/** A collection's policy rule over the collection itself. */
const collectionRule = (name: string) => ({ ResourceType: 'collection', Resource: [`collection/${name}`] });

/**
 * The search collection of a Region with its encryption and network
 * policies. The collection is encrypted with an AWS-owned key. Its endpoint
 * is public, and every request must still be signed (SigV4) by a role with
 * `aoss:APIAccessAll` on the collection that the data access policy names:
 * the API function reaches it through its VPC's NAT gateway, the worker from
 * outside any VPC.
 *
 * @example
 * ```ts
 * const search = new SearchCollection(this, 'Search', { stage: 'prod' });
 * search.grantApiAccess(fn);
 * fn.addEnvironment('STREAMCTL_SEARCH_ENDPOINT', search.endpoint);
 * ```
 */
export class SearchCollection extends Construct {
  /** The collection (and policy) name. */
  readonly name: string;
  /** The catalog index inside it. */
  readonly index: string;
  /** `https://<id>.<region>.aoss.amazonaws.com`. */
  readonly endpoint: string;
  readonly collectionArn: string;
  readonly collection: CfnCollection;

  constructor(scope: Construct, id: string, props: { stage: string }) {
    super(scope, id);
    this.name = searchCollectionName(props.stage);
    // The SDK's own default, so the functions and `streamctl` name the same index with no variable set.
    this.index = defaultSearchIndex(props.stage);
    const encryption = new CfnSecurityPolicy(this, 'Encryption', {
      name: this.name,
      type: 'encryption',
      description: 'streamctl search: encrypted with an AWS-owned key',
      policy: JSON.stringify({ Rules: [collectionRule(this.name)], AWSOwnedKey: true }),
    });
    const network = new CfnSecurityPolicy(this, 'Network', {
      name: this.name,
      type: 'network',
      // Public endpoint, but no anonymous access: every request is SigV4-signed and authorized by IAM
      // (aoss:APIAccessAll) and the data access policy. A VPC endpoint would keep the traffic off the internet.
      description: 'streamctl search: public endpoint, IAM (SigV4) authorization only',
      policy: JSON.stringify([{ Rules: [collectionRule(this.name)], AllowFromPublic: true }]),
    });
    this.collection = new CfnCollection(this, 'Collection', {
      name: this.name,
      type: 'SEARCH',
      description: `streamctl ${props.stage} catalog search`,
    });
    // A collection cannot be created before an encryption policy covers its name.
    this.collection.addResourceDependency(encryption);
    this.collection.addResourceDependency(network);
    this.endpoint = this.collection.attrCollectionEndpoint;
    this.collectionArn = this.collection.attrArn;
  }

  /**
   * Lets a principal call the collection's API (`aoss:APIAccessAll` on this
   * collection only). What it may do with the index is the data access
   * policy's to say ({@link SearchAccessPolicy}).
   *
   * @example
   * ```ts
   * search.grantApiAccess(serverFunction);
   * ```
   */
  grantApiAccess(grantee: IGrantable): void {
    grantApiAccess(grantee, this.collectionArn);
  }
}

/**
 * Grants `aoss:APIAccessAll` on one collection.
 *
 * @example
 * ```ts
 * grantApiAccess(worker, search.collectionArn);
 * ```
 */
export function grantApiAccess(grantee: IGrantable, collectionArn: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['aoss:APIAccessAll'], resources: [collectionArn] }),
  );
}

/** Props of {@link SearchAccessPolicy}. */
export interface SearchAccessPolicyProps {
  /** The collection (and policy) name. */
  collectionName: string;
  /** The catalog index. */
  index: string;
  /** Roles that search the index (the API server). */
  readers: IRole[];
  /** Roles that write it (the search worker). */
  writers: IRole[];
}

/**
 * The collection's data access policy: readers may read documents and
 * describe the index, writers may also create, update and write it. Nobody
 * else is named, and only the catalog index is covered.
 *
 * @example
 * ```ts
 * new SearchAccessPolicy(this, 'SearchAccess', { collectionName, index, readers: [serverRole], writers: [worker.role] });
 * ```
 */
export class SearchAccessPolicy extends Construct {
  readonly policy: CfnAccessPolicy;

  constructor(scope: Construct, id: string, props: SearchAccessPolicyProps) {
    super(scope, id);
    const resource = [`index/${props.collectionName}/${props.index}`];
    const rule = (permissions: readonly string[], roles: IRole[], description: string) => ({
      Description: description,
      Rules: [{ ResourceType: 'index', Resource: resource, Permission: [...permissions] }],
      Principal: roles.map((r) => r.roleArn),
    });
    this.policy = new CfnAccessPolicy(this, 'Policy', {
      name: props.collectionName,
      type: 'data',
      description: 'streamctl search: the API server reads, the search worker writes',
      // Role ARNs are tokens: Stack.toJsonString renders them into the JSON at deploy time.
      policy: Stack.of(this).toJsonString([
        rule(SEARCH_PERMISSIONS.write, props.writers, 'search worker: index the catalog'),
        rule(SEARCH_PERMISSIONS.read, props.readers, 'API server: search'),
      ]),
    });
  }
}
