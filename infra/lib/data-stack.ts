/**
 * Data: the catalog and user-state tables as DynamoDB global tables with a
 * replica in every Region of the stage, and the platform table per Region,
 * all from the SDK's own resource definitions (the ones `streamctl dev`
 * creates locally), so local and AWS cannot drift; and the content-key KMS key
 * that wraps the content keys the catalog table holds (`SK=KEY#<keyId>`).
 */

import { resourceNames } from '@streamctl/sdk/config';
import { type KeyAttribute, PLATFORM_RESOURCES, type TableDefinition } from '@streamctl/sdk/resources';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type CfnKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { contentKeyAlias, type InfraConfig, primaryRegion } from './config.js';

const attribute = (a: KeyAttribute) => ({
  name: a.name,
  type: a.type === 'S' ? AttributeType.STRING : a.type === 'N' ? AttributeType.NUMBER : AttributeType.BINARY,
});

/** Builds one table from its SDK definition; global tables get a replica per other Region. */
export function tableFromDefinition(
  scope: Construct,
  definition: TableDefinition,
  name: string,
  replicaRegions: string[],
): TableV2 {
  return new TableV2(scope, definition.nameKey, {
    tableName: name,
    partitionKey: attribute(definition.partitionKey),
    sortKey: attribute(definition.sortKey),
    billing: Billing.onDemand(),
    encryption: TableEncryptionV2.awsManagedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: definition.pointInTimeRecovery },
    deletionProtection: definition.pointInTimeRecovery,
    removalPolicy: definition.pointInTimeRecovery ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
    globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
    })),
    // Global tables: one replica per Region of the stage besides this one.
    replicas: definition.globalTable ? replicaRegions.map((region) => ({ region })) : [],
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
    for (const definition of PLATFORM_RESOURCES.tables.filter((t) => t.globalTable)) {
      this.tables[definition.nameKey] = tableFromDefinition(
        this,
        definition,
        names[definition.nameKey],
        config.regions.filter((r) => r !== primary),
      );
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
