/**
 * `streamctl privacy` end to end against the shared e2e target: a viewer
 * with a watchlist and a consent is exported to a private file, turns
 * personalization off, is erased (only after `--yes`), and the erasure's
 * record reads back with what each store lost; the viewer's export is then
 * empty while another viewer's is untouched. Bad ids stop before the
 * platform; an unknown erasure is NOT_FOUND.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AwsClients,
  createAwsClients,
  createPlatform,
  createUsers,
  type ErasureRecord,
  type Platform,
  type ViewerExport,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isLocalPlatform, targetConfig } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');
const run = randomUUID().slice(0, 8);

describe.skipIf(!target.endpoints.dynamodb)(`streamctl privacy (${target.kind})`, () => {
  const userId = `priv-${run}`;
  const other = `priv-other-${run}`;
  const titles = [`priv-a-${run}`, `priv-b-${run}`];
  let dir: string;
  let clients: AwsClients;
  let platform: Platform;
  let erasure: ErasureRecord;

  /**
   * The CLI reaches the target as an operator's shell would: the embedded platform through its
   * data dir, an endpoint (LocalStack) by flag.
   */
  const where = isLocalPlatform(target)
    ? ['--stage', target.stage]
    : ['--stage', target.stage, '--region', target.region, '--endpoint-url', String(target.endpoints.dynamodb)];
  const env = target.dataDir ? { STREAMCTL_DATA_DIR: target.dataDir } : {};
  const cli = (argv: string[], extraEnv: Record<string, string> = {}) =>
    runCli([...argv, ...where], { env: { ...env, ...extraEnv }, cwd: dir });
  const json = async <T>(...argv: string[]) => {
    const out = await cli([...argv, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const lines = jsonLines(out.stdout);
    expect(lines).toHaveLength(1);
    return lines[0] as T;
  };
  const itemsOf = (doc: ViewerExport) => doc.stores.reduce((sum, s) => sum + s.items.length, 0);
  const userState = (doc: ViewerExport) => doc.stores.find((s) => s.store === 'user-state')?.items ?? [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'streamctl-privacy-cli-'));
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    const users = createUsers(clients, config.resources);
    for (const titleId of titles) await users.addToWatchlist(userId, titleId);
    await users.addToWatchlist(other, titles[0] as string);
    platform = createPlatform(config);
    await platform.privacy.setConsent({ userId, country: 'GB' }, true);
  });

  afterAll(() => {
    platform?.close();
    clients?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('export --out writes the whole document to a file only its owner can read, and says what it read', async () => {
    const out = await cli(['privacy', 'export', userId, '--out', 'export.json']);
    expect(out.code, out.stderr).toBe(0);
    const file = join(dir, 'export.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as ViewerExport;
    // Two watchlist rows and the consent in the user-state store; the consent change moved the
    // viewer's model version, in the models store.
    expect(out.stdout).toBe(
      `Exported ${userId} to export.json: ${itemsOf(doc)} items from ${doc.stores.length} stores read (${doc.stores
        .map((s) => `${s.store} ${s.items.length}`)
        .join(', ')}).\n`,
    );
    expect(out.stdout).toContain('(user-state 3, ');
    expect(doc).toMatchObject({ format: 'streamctl.viewer-export/1', userId, stage: target.stage });
    expect(doc.consent).toMatchObject({ personalization: true, source: 'viewer' });
    expect(
      userState(doc)
        .map((i) => i.SK)
        .sort(),
    ).toEqual(['CONSENT', ...titles.map((t) => `WATCHLIST#${t}`)].sort());
    expect(doc.manifest.filter((m) => m.read).map((m) => m.store)).toEqual(
      expect.arrayContaining(['user-state', 'models', 'dead-letters', 'cache']),
    );

    // An existing file is refused without --force, and stays as it was.
    const again = await cli(['privacy', 'export', userId, '--out', 'export.json']);
    expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 2, stdout: '' });
    expect(again.stderr).toBe('error: export.json already exists; pass --force to overwrite it\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(doc);

    // --json: a small summary, nothing else on stdout.
    const summary = await cli(['privacy', 'export', userId, '--out', 'export.json', '--force', '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(jsonLines(summary.stdout)).toEqual([{ out: file, items: itemsOf(doc), stores: doc.stores.length }]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Without --out, the document goes to stdout: one JSON line under --json.
    const streamed = await json<ViewerExport>('privacy', 'export', userId);
    expect(itemsOf(streamed)).toBe(itemsOf(doc));
  });

  it('consent shows the choice, turns it off, and shows it off', async () => {
    expect(await json('privacy', 'consent', userId)).toMatchObject({ userId, personalization: true, source: 'viewer' });
    const off = await cli(['privacy', 'consent', userId, 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(
      new RegExp(
        `^Personalization for ${userId} is now off \\(recorded \\S+ \\S+Z\\): their taste model is forgotten in every Region\\.\\n$`,
      ),
    );
    const shown = await cli(['privacy', 'consent', userId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`^Personalization for ${userId} is off: the viewer's own choice, made \\S+ \\S+Z\\.\\n$`),
    );
    expect(shown.stderr).toBe('');
    expect(await json('privacy', 'consent', userId, '--country', 'gb')).toMatchObject({
      userId,
      country: 'GB',
      personalization: false,
      source: 'viewer',
    });
  });

  it("consent of a viewer who never chose is the country's default, else the stage's", async () => {
    const fresh = `priv-fresh-${run}`;
    const defaults = { STREAMCTL_PRIVACY_PERSONALIZATION: 'on', STREAMCTL_PRIVACY_COUNTRIES: 'DE=off' };
    const de = await cli(['privacy', 'consent', fresh, '--country', 'DE', '--json'], defaults);
    expect(jsonLines(de.stdout)).toEqual([{ userId: fresh, country: 'DE', personalization: false, source: 'country' }]);
    const stage = await cli(['privacy', 'consent', fresh], defaults);
    expect(stage.code, stage.stderr).toBe(0);
    expect(stage.stdout).toBe(`Personalization for ${fresh} is on: the stage's default.\n`);
    // Without --country the shown default may not be the one that applies: said on stderr, not stdout.
    expect(stage.stderr).toMatch(/^note: a country may have a default of its own; pass --country/);
  });

  it('erase without --yes exits 2 naming the flag and erases nothing', async () => {
    const refused = await cli(['privacy', 'erase', userId]);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 2, stdout: '' });
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^error: Erase .* for good\?: confirmation needed .*; pass --yes\n$/);
    expect(userState(await json<ViewerExport>('privacy', 'export', userId))).toHaveLength(3);
  });

  it('erase --yes --json erases the viewer and prints the record only', async () => {
    const out = await cli(['privacy', 'erase', userId, '--yes', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    const lines = jsonLines(out.stdout);
    expect(lines).toHaveLength(1);
    erasure = lines[0] as ErasureRecord;
    expect(erasure.erasureId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(erasure.status).toBe('done');
    // The record names the viewer by pseudonym only.
    expect(JSON.stringify(erasure)).not.toContain(userId);
    expect(erasure.viewer).toBe(platform.privacy.pseudonym(userId));
    expect(erasure.stores.every((s) => s.status === 'done')).toBe(true);
    expect(erasure.stores.find((s) => s.store === 'user-state')).toMatchObject({ removed: 3, status: 'done' });
  });

  it('status shows the erasure done, with what each store removed', async () => {
    const record = await json<ErasureRecord>('privacy', 'status', erasure.erasureId);
    expect(record).toMatchObject({ erasureId: erasure.erasureId, status: 'done', viewer: erasure.viewer });
    expect(record.stores.map((s) => [s.store, s.region, s.status, s.removed])).toEqual(
      erasure.stores.map((s) => [s.store, s.region, s.status, s.removed]),
    );

    const human = await cli(['privacy', 'status', erasure.erasureId]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(
      `Erasure ${erasure.erasureId}\n  erasure:   ${erasure.erasureId}\n  status:    done\n`,
    );
    expect(human.stdout).toMatch(/\n {2}store\s+region\s+status\s+removed\n/);
    expect(human.stdout).toMatch(new RegExp(`\\n {2}user-state\\s+${target.region}\\s+done\\s+3\\n`));
  });

  it('status refuses a non-UUID with exit 2 and calls an unknown erasure NOT_FOUND', async () => {
    const bad = await cli(['privacy', 'status', 'not-a-uuid']);
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/^error: invalid erasureId "not-a-uuid"/);

    const unknown = randomUUID();
    const missing = await cli(['privacy', 'status', unknown]);
    expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`error: No erasure ${unknown}; check the id \`privacy erase\` printed\n`);
    const missingJson = await cli(['privacy', 'status', unknown, '--json']);
    expect(missingJson.code).toBe(1);
    expect(jsonLines(missingJson.stdout)).toEqual([
      { error: expect.objectContaining({ code: 'NOT_FOUND', message: `No erasure ${unknown}` }) },
    ]);
  });

  it("the erased viewer's export holds nothing; another viewer's is untouched", async () => {
    const summary = await cli(['privacy', 'export', userId, '--out', 'after.json', '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(jsonLines(summary.stdout)).toEqual([expect.objectContaining({ items: 0 })]);
    const doc = JSON.parse(readFileSync(join(dir, 'after.json'), 'utf8')) as ViewerExport;
    expect(itemsOf(doc)).toBe(0);
    // Consent went with the rest: the default applies again.
    expect(doc.consent.source).not.toBe('viewer');

    const human = await cli(['privacy', 'export', userId, '--out', 'after-human.json']);
    expect(human.stdout).toMatch(new RegExp(`^Exported ${userId} to after-human\\.json: 0 items from `));

    const kept = await json<ViewerExport>('privacy', 'export', other);
    expect(userState(kept).map((i) => i.SK)).toEqual([`WATCHLIST#${titles[0]}`]);
  });

  it('erase prints the record for a person: id, status, and a row per store', async () => {
    const out = await cli(['privacy', 'erase', other, '--yes']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(`^Erasure of ${other} on stage ${target.stage}\\n {2}erasure: {3}\\S+\\n {2}status: {4}done\\n`),
    );
    expect(out.stdout).toMatch(new RegExp(`\\n {2}user-state\\s+${target.region}\\s+done\\s+1\\n`));
    expect(out.stdout).toMatch(/\nCheck it again: streamctl privacy status [0-9a-f-]{36}\n$/);
  });
});
