/**
 * The whole platform from one config: a data stack (global tables) in the
 * primary Region, streaming, media, API and lake stacks in every Region, and
 * the edge (with the web player) in us-east-1.
 */
import { App, type AppProps, Tags } from 'aws-cdk-lib';
import { ApiStack } from './api-stack.js';
import { type InfraConfig, primaryRegion } from './config.js';
import { DataStack } from './data-stack.js';
import { EdgeStack } from './edge-stack.js';
import { LakeStack } from './lake-stack.js';
import { MediaReplicationStack, MediaStack } from './media-stack.js';
import { StreamingStack } from './streaming-stack.js';

/** Every stack of a stage, by role. */
export interface PlatformStacks {
  app: App;
  data: DataStack;
  regions: Record<string, { streaming: StreamingStack; media: MediaStack; api: ApiStack; lake: LakeStack }>;
  edge: EdgeStack;
}

/** What the app takes besides the config: paths of this checkout. */
export interface PlatformOptions {
  /** The web player's build the edge deploys under `/player/` (default: `examples/web-player/dist`). */
  playerDist?: string;
}

/**
 * Builds the CDK app of a stage.
 *
 * @example
 * ```ts
 * const { app } = await buildPlatform(loadInfraConfig('streamctl.infra.json'));
 * app.synth();
 * ```
 */
export async function buildPlatform(
  config: InfraConfig,
  props: AppProps = {},
  options: PlatformOptions = {},
): Promise<PlatformStacks> {
  const app = new App(props);
  const prefix = `streamctl-${config.stage}`;
  const env = (region: string) => ({ account: config.account, region });
  const data = new DataStack(app, `${prefix}-data`, config, { env: env(primaryRegion(config)) });
  const regions: PlatformStacks['regions'] = {};
  for (const region of config.regions) {
    const api = new ApiStack(app, `${prefix}-api-${region}`, config, { env: env(region) });
    // The search worker writes the API stack's search collection, which the server reads: the streaming
    // stack takes the collection and the server's role from the API stack (same Region), so it deploys after it.
    const streaming = new StreamingStack(app, `${prefix}-streaming-${region}`, config, {
      env: env(region),
      search: { collection: api.search, readers: [api.serverRole] },
    });
    const media = await MediaStack.create(app, `${prefix}-media-${region}`, config, { env: env(region) });
    // Replicas of the global tables exist once the data stack is deployed.
    for (const stack of [streaming, media, api]) stack.addStackDependency(data);
    // The lake reads the streaming stack's events stream and alarms on the API stack's latency (same
    // Region): it takes both and deploys after them; its transform reads the user-state replica.
    const lake = new LakeStack(app, `${prefix}-lake-${region}`, config, {
      env: env(region),
      stream: streaming.stream,
      api: api.api,
    });
    lake.addStackDependency(data);
    regions[region] = { streaming, media, api, lake };
  }
  // CDN replication: each Region's titles go to every other Region's CDN bucket. S3 needs the destination
  // buckets to exist, so the rules are set once every Region's media stack is deployed.
  for (const region of config.regions) {
    const media = regions[region]?.media as MediaStack;
    const replication = new MediaReplicationStack(app, `${prefix}-media-replication-${region}`, config, {
      env: env(region),
      media,
    });
    for (const other of Object.values(regions)) replication.addStackDependency(other.media);
  }
  const edge = new EdgeStack(app, `${prefix}-edge`, config, {
    env: env('us-east-1'),
    ...(options.playerDist ? { playerDist: options.playerDist } : {}),
  });
  // Deploy order only, no references: the edge (us-east-1) names the Regions' API hosts from the
  // config (`api-<region>.<domain>`), so no construct or token crosses a Region and the app needs
  // no `crossRegionReferences`. The APIs' custom domains exist before the distribution uses them.
  for (const { media, api } of Object.values(regions)) {
    edge.addStackDependency(media);
    edge.addStackDependency(api);
  }
  Tags.of(app).add('streamctl:stage', config.stage);
  return { app, data, regions, edge };
}
