/**
 * `cdk synth` / `cdk deploy` entry: the config file comes from the context
 * (`-c config=path`), `STREAMCTL_INFRA_CONFIG`, or `streamctl.infra.json`.
 */
import { buildPlatform } from '../lib/app.js';
import { loadInfraConfig } from '../lib/config.js';

// The CDK CLI hands context to the app in CDK_CONTEXT_JSON.
const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as { config?: string };
const path = context.config ?? process.env.STREAMCTL_INFRA_CONFIG ?? 'streamctl.infra.json';
const { app } = await buildPlatform(loadInfraConfig(path));
app.synth();
