/**
 * Data: the catalog and user-state tables as DynamoDB global tables with a
 * replica in every Region of the stage, the control table (the Region routing
 * record) as a global table with multi-Region strong consistency in its own
 * Regions (`controlRegions`, `witnessRegion`), and the platform table per
 * Region, all from the SDK's own resource definitions (the ones `streamctl dev`
 * creates locally), so local and AWS cannot drift; every table with
 * point-in-time recovery; and the content-key KMS key that wraps the content
 * keys the catalog table holds (`SK=KEY#<keyId>`).
 */

import { resourceNames } from '@streamctl/sdk/config';
import { type KeyAttribute, PLATFORM_RESOURCES, type TableDefinition } from '@streamctl/sdk/resources';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  MultiRegionConsistency,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { type CfnKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { contentKeyAlias, controlTablePlacement, type InfraConfig, primaryRegion } from './config.js';

const attribute = (a: KeyAttribute) => ({
  name: a.name,
  type: a.type === 'S' ? AttributeType.STRING : a.type === 'N' ? AttributeType.NUMBER : AttributeType.BINARY,
});

/** Where a global table's replicas go besides the stack's Region, and its MRSC witness. */
export interface TablePlacement {
  replicaRegions: string[];
  /** The witness Region of a strongly consistent table with two replicas. */
  witnessRegion?: string;
}

/**
 * Builds one table from its SDK definition; global tables get a replica per other Region, and a
 * definition with `multiRegionConsistency: 'STRONG'` becomes an MRSC global table when it has more
 * than one Region (alone in one Region there is nothing to be consistent across). Every table has
 * point-in-time recovery: the definitions say so, and a table whose definition does not is refused.
 */
export function tableFromDefinition(
  scope: Construct,
  definition: TableDefinition,
  name: string,
  placement: TablePlacement,
): TableV2 {
  const { replicaRegions, witnessRegion } = placement;
  if (!definition.pointInTimeRecovery)
    throw new Error(`The ${definition.nameKey} definition turns point-in-time recovery off; every table keeps it`);
  const strong = definition.multiRegionConsistency === 'STRONG' && definition.globalTable && replicaRegions.length > 0;
  // MRSC tables take no TTL and no local secondary index (DynamoDB refuses them at creation).
  if (strong && definition.ttlAttribute)
    throw new Error(
      `The ${definition.nameKey} definition has a TTL, which a multi-Region strongly consistent table refuses`,
    );
  if (witnessRegion !== undefined && !strong)
    throw new Error(`A witness Region (${witnessRegion}) is only for a multi-Region strongly consistent table`);
  return new TableV2(scope, definition.nameKey, {
    tableName: name,
    partitionKey: attribute(definition.partitionKey),
    sortKey: attribute(definition.sortKey),
    billing: Billing.onDemand(),
    encryption: TableEncryptionV2.awsManagedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
    globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
    })),
    // Global tables: one replica per Region of the stage besides this one.
    replicas: definition.globalTable ? replicaRegions.map((region) => ({ region })) : [],
    ...(strong
      ? { multiRegionConsistency: MultiRegionConsistency.STRONG, ...(witnessRegion ? { witnessRegion } : {}) }
      : {}),
  });
}

/** The global tables and the content-key KMS key, created once in the primary Region. */
export class DataStack extends Stack {
  readonly tables: Record<string, TableV2> = {};
  /**
   * Wraps the content keys the catalog table holds. A multi-Region primary key: the wrapped keys
   * replicate with the global table, and a replica of this key (same key id and material) decrypts
   * them in another Region. Functions name it by its alias ({@link contentKeyAlias}).
   */
  readonly contentKey: Key;

  constructor(scope: Construct, id: string, config: InfraConfig, props: StackProps = {}) {
    super(scope, id, props);
    const primary = primaryRegion(config);
    const names = resourceNames(config.stage, primary);
    const control = controlTablePlacement(config);
    for (const definition of PLATFORM_RESOURCES.tables.filter((t) => t.globalTable)) {
      // The control table (the routing record) has its own Regions and witness; the others one replica per Region.
      const placement: TablePlacement =
        definition.nameKey === 'controlTable'
          ? {
              replicaRegions: control.regions.filter((r) => r !== primary),
              ...(control.witnessRegion ? { witnessRegion: control.witnessRegion } : {}),
            }
          : { replicaRegions: config.regions.filter((r) => r !== primary) };
      this.tables[definition.nameKey] = tableFromDefinition(this, definition, names[definition.nameKey], placement);
    }
    this.contentKey = new Key(this, 'ContentKey', {
      alias: contentKeyAlias(config),
      enableKeyRotation: true,
      description: `streamctl ${config.stage} content keys (wraps the keys of encrypted renditions)`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.contentKey.node.defaultChild as CfnKey).multiRegion = true;
    new CfnOutput(this, 'ContentKeyArn', {
      value: this.contentKey.keyArn,
      description: `The content-key KMS key (${contentKeyAlias(config)}); replicate it into the stage's other Regions`,
    });
  }
}
