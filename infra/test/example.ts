/**
 * What the infra tests start from: the example config (`infra/streamctl.infra.example.json`) and
 * the app built from a config for its templates only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlatform, type PlatformStacks } from '../lib/app.js';
import { type InfraConfig, loadInfraConfig } from '../lib/config.js';

/** The infra package's folder. */
export const INFRA = fileURLToPath(new URL('..', import.meta.url));

/** The example config's path. */
export const EXAMPLE_CONFIG_PATH = join(INFRA, 'streamctl.infra.example.json');

/** The example config, parsed. */
export const example: InfraConfig = loadInfraConfig(EXAMPLE_CONFIG_PATH);

/** The example config as written, for a test that changes fields before parsing it. */
export const exampleJson = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;

/**
 * App context that skips esbuild bundling: the assertions read templates, and bundling is exercised
 * by platform.test.ts's `cdk synth`.
 */
export const TEMPLATES_ONLY = { 'aws:cdk:bundling-stacks': [] };

/**
 * The app of `config` built with {@link TEMPLATES_ONLY} and synthesized once, so the assertions reuse
 * its assembly and no single test pays for the synth.
 *
 * @example
 * ```ts
 * beforeAll(async () => {
 *   stacks = await synthesizedPlatform(example);
 * }, 120_000);
 * ```
 */
export async function synthesizedPlatform(config: InfraConfig): Promise<PlatformStacks> {
  const stacks = await buildPlatform(config, { context: TEMPLATES_ONLY });
  stacks.app.synth();
  return stacks;
}
