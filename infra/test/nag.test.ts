/**
 * The CDK app against cdk-nag's AwsSolutions rule pack, as a deploy would run it: the plugin on
 * the app (`Validations.of(app).addPlugins`), the example config, one synth. A finding is either
 * fixed or acknowledged in the code with its reason (`Validations.of(construct).acknowledge`); this
 * test fails on any error left, listed by stack, and on any acknowledgement without a real reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildPlatform } from '../lib/app.js';
import { example as config, TEMPLATES_ONLY } from './example.js';

/** An acknowledgement is a sentence that says why, not a placeholder. */
const MIN_REASON_LENGTH = 40;

let outdir: string;
let app: App;
let synthError: unknown;
/** What the pack answered CDK's validation: its findings left after the acknowledgements. */
let reports: PolicyValidationPluginReport[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'streamctl-nag-'));
  // Templates only (no esbuild bundling): the rules read the synthesized resources, not the code.
  ({ app } = await buildPlatform(config, { outdir, context: TEMPLATES_ONLY }));
  const pack = new AwsSolutionsChecks(app);
  // CDK calls the pack during synth; its answer (the same CDK writes to validation-report.json and
  // prints) is kept here, so the tests can list it by stack.
  const validate = vi.spyOn(pack, 'validate');
  Validations.of(app).addPlugins(pack);
  try {
    app.synth();
  } catch (err) {
    // Synth throws on an unacknowledged error, after the pack has answered.
    synthError = err;
  }
  reports = validate.mock.results.map((r) => r.value as PolicyValidationPluginReport);
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The AwsSolutions findings of one severity, as `{ stack: ['rule at path', …] }`. */
function findingsByStack(severity: 'error' | 'warning'): Record<string, string[]> {
  const byStack: Record<string, string[]> = {};
  for (const violation of reports.flatMap((r) => r.violations)) {
    if (violation.severity !== severity) continue;
    for (const { constructPath = '(unknown)' } of violation.violatingResources) {
      const [stack = '(app)', ...rest] = constructPath.split('/');
      const list = byStack[stack] ?? [];
      list.push(`${violation.ruleName} at ${rest.join('/')}: ${violation.description}`);
      byStack[stack] = list;
    }
  }
  for (const list of Object.values(byStack)) list.sort();
  return byStack;
}

/** Every acknowledgement recorded on a construct of the app: `[path, id, reason]`. */
function acknowledgements(root: IConstruct): Array<[string, string, unknown]> {
  const found: Array<[string, string, unknown]> = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>))
        found.push([construct.node.path, id, reason]);
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it('ran once over the whole app, as a plugin of its validation', () => {
    expect(reports).toHaveLength(1);
  });

  it('leaves no unacknowledged error in any stack', () => {
    // Listed per stack, so a failure says which stack (and whose) still has findings.
    expect(findingsByStack('error')).toEqual({});
    expect(synthError).toBeUndefined();
  });

  it('leaves no unacknowledged warning in any stack', () => {
    expect(findingsByStack('warning')).toEqual({});
  });

  it('gives every acknowledgement a reason of a sentence or more', () => {
    const all = acknowledgements(app);
    const nag = all.filter(([, id]) => id.includes('AwsSolutions-'));
    expect(nag.length).toBeGreaterThan(0);
    const weak = all
      .filter(([, , reason]) => typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH)
      .map(([path, id, reason]) => `${path}: ${id} (${JSON.stringify(reason)})`);
    expect(weak).toEqual([]);
  });
});
