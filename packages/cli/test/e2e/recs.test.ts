import { randomUUID } from 'node:crypto';
import { createAwsClients, createCatalog, createDynamoModelStore, resolveConfig } from '@streamctl/sdk';
import { describe, expect, inject, it } from 'vitest';
import { isLocalPlatform } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');

describe.skipIf(!isLocalPlatform(target))('streamctl recs', () => {
  const env = { STREAMCTL_DATA_DIR: target.dataDir };

  it("prints a viewer's rails with why each title is there", async () => {
    const config = {
      ...(await resolveConfig({ flags: { stage: 'local', region: target.region }, env: {}, configFile: false })),
      endpoints: target.endpoints,
    };
    const clients = createAwsClients(config);
    const titleId = `recs-${randomUUID().slice(0, 8)}`;
    const catalog = createCatalog(clients, config.resources);
    await catalog.putTitle({ titleId, name: 'Recs Title', genres: ['drama'] });
    await catalog.publishTitle(titleId, { countries: ['IS'] });
    clients.destroy();

    const run = await runCli(['recs', 'someone-new', '--country', 'is', '--stage', 'local', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const [home] = jsonLines(run.stdout) as Array<{
      country: string;
      degraded: boolean;
      rails: Array<{ id: string; items: Array<{ titleId: string; reason: string }> }>;
    }>;
    expect(home).toMatchObject({ country: 'IS', degraded: false, history: false });
    expect(run.stderr).toBe('');
    const fresh = home?.rails.find((r) => r.id === 'new');
    expect(fresh?.items).toContainEqual(expect.objectContaining({ titleId, reason: 'new in IS' }));

    const human = await runCli(['recs', 'someone-new', '--country', 'IS', '--stage', 'local'], { env });
    expect(human.stdout).toMatch(new RegExp(`New in IS\\n  ${titleId}\\s+Recs Title\\s+new in IS`));
    expect(human.stderr).toBe(
      'someone-new has no viewing history yet: these rails are what is popular and new in IS; ' +
        'publish events (`streamctl events example --user someone-new`) to personalize them\n',
    );
    const bad = await runCli(['recs', 'someone', '--country', 'ISL', '--stage', 'local'], { env });
    expect(bad.code).toBe(2);
  });

  it('says nothing of history for a viewer the models know', async () => {
    const userId = `recs-known-${randomUUID().slice(0, 8)}`;
    const config = {
      ...(await resolveConfig({ flags: { stage: 'local', region: target.region }, env: {}, configFile: false })),
      endpoints: target.endpoints,
    };
    const clients = createAwsClients(config);
    const models = createDynamoModelStore(clients, config.resources, { region: config.region });
    await models.touch(userId);
    clients.destroy();
    const run = await runCli(['recs', userId, '--country', 'GB', '--stage', 'local', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ userId, history: true });
    const human = await runCli(['recs', userId, '--country', 'GB', '--stage', 'local'], { env });
    expect(human.stderr).toBe('');
  });
});
