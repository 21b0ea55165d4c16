import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonLines, runCli } from '../test/run-cli.js';
import { DeclinedError, describeError, formatErrorLine } from './errors.js';
import { processIO } from './io.js';
import { buildProgram } from './main.js';
import { VERSION } from './version.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-cli-'));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('streamctl --help and --version', () => {
  it('prints the command list', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatchSnapshot();
  });

  it.each([
    'dev',
    'status',
    'init',
    'token',
    'sign',
    'titles',
    'ladder',
    'events',
    'privacy',
    'ladder list',
    'ladder show',
    'ladder render',
    'events publish',
    'events tail',
    'users set-country',
  ])('prints the help of %s', async (command) => {
    const run = await runCli([...command.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatchSnapshot();
  });

  it('prints the version of the package', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['status', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['token'], /--user is required; pass --user <id>/],
    [['token', '--user', 'a', '--ttl', 'forever'], /Invalid --ttl "forever"/],
    [['token', '--user', 'a', '--country', 'usa'], /invalid --country "usa"/],
    [['token', '--user', 'a'], /--country is required: a token without a country is refused/],
    [['token', '--user', 'a@b', '--country', 'GB'], /invalid --user "a@b"/],
    [['dev', '--stage', 'prod'], /dev runs the local stage only/],
    [['dev', '--api-port', 'http'], /invalid --api-port "http"/],
    [['status', '--region', 'moon-1'], /Invalid region "moon-1" from --region/],
  ])('%j', async (argv, message) => {
    const run = await runCli(argv as string[], { cwd: tmp() });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
  });

  it('dev beyond loopback warns and asks first; without a terminal or --yes it stops with exit 2', async () => {
    const run = await runCli(['dev', '--host', '0.0.0.0'], { cwd: tmp() });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [warning, error] = run.stderr.trim().split('\n');
    expect(warning).toMatch(/^warning: --host 0\.0\.0\.0 serves the dev platform beyond this machine/);
    expect(error).toMatch(
      /^error: not serving on 0\.0\.0\.0; bind a loopback address \(127\.0\.0\.1\), or pass --yes$/,
    );
  });

  it('no command prints help on stderr and exits 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: streamctl');
    expect(run.stderr).toMatch(/error: no command given; run `streamctl --help`/);
  });

  it('--json puts the error on stdout as JSON and the line on stderr', async () => {
    const run = await runCli(['token', '--json'], { cwd: tmp() });
    expect(run.code).toBe(2);
    expect(jsonLines(run.stdout)).toEqual([
      { error: { code: 'USAGE', message: '--user is required', hint: 'pass --user <id>' } },
    ]);
    expect(run.stderr).toMatch(/^error: --user is required/);
  });

  it('--verbose adds the stack; without it there is none', async () => {
    const quiet = await runCli(['token'], { cwd: tmp() });
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runCli(['token', '--verbose'], { cwd: tmp() });
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});

describe('streamctl token', () => {
  it('mints a token for the local stage; --json prints {token,...} only', async () => {
    const dataDir = join(tmp(), 'data');
    const run = await runCli(['token', '--user', 'alice', '--country', 'gb', '--ttl', '15m', '--json'], {
      env: { STREAMCTL_DATA_DIR: dataDir },
      cwd: tmp(),
    });
    expect(run.code).toBe(0);
    const [out] = jsonLines(run.stdout) as Array<{ token: string; userId: string; country: string; expiresAt: string }>;
    expect(out?.userId).toBe('alice');
    expect(out?.country).toBe('GB');
    const { verifyDevToken } = await import('@streamctl/local');
    await expect(verifyDevToken(dataDir, out?.token ?? '')).resolves.toEqual({
      userId: 'alice',
      country: 'GB',
      plan: 'standard',
    });
    const ttl = Date.parse(out?.expiresAt ?? '') - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
  });

  it('prints the bare token without --json, for $(streamctl token ...)', async () => {
    const run = await runCli(['token', '--user', 'bob', '--country', 'GB'], {
      env: { STREAMCTL_DATA_DIR: join(tmp(), 'd') },
      cwd: tmp(),
    });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('refuses other stages with exit 1 and a typed code', async () => {
    const run = await runCli(['token', '--user', 'bob', '--stage', 'prod', '--json'], { cwd: tmp() });
    expect(run.code).toBe(1);
    expect((jsonLines(run.stdout)[0] as { error: { code: string } }).error.code).toBe('LOCAL_STAGE_ONLY');
    expect(run.stderr).toMatch(/^error: streamctl token works on the local stage only, not "prod"; on AWS/);
  });
});

describe('streamctl init', () => {
  it('writes the config file from flags without prompting (CI)', async () => {
    const cwd = tmp();
    const run = await runCli(['init', '--stage', 'prod', '--region', 'eu-west-1', '--profile', 'streaming', '--json'], {
      cwd,
    });
    expect(run.code).toBe(0);
    const written = JSON.parse(readFileSync(join(cwd, 'streamctl.config.json'), 'utf8'));
    expect(written).toEqual({ stage: 'prod', region: 'eu-west-1', profile: 'streaming' });
    expect(jsonLines(run.stdout)).toEqual([{ file: join(cwd, 'streamctl.config.json'), config: written }]);
  });

  it('refuses to overwrite without --force (exit 2), overwrites with it', async () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'streamctl.config.json'), '{"stage":"dev"}');
    const refused = await runCli(['init'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; pass --force/);
    const forced = await runCli(['init', '--force', '--region', 'ap-south-1'], { cwd });
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'streamctl.config.json'), 'utf8'))).toEqual({
      stage: 'local',
      region: 'ap-south-1',
    });
  });
});

describe('configuration precedence through the CLI', () => {
  it('flag > env > file > default, reported by status --json', async () => {
    const cwd = tmp();
    writeFileSync(
      join(cwd, 'streamctl.config.json'),
      JSON.stringify({ stage: 'dev', region: 'eu-west-1', maxAttempts: 2, stages: { qa: { region: 'eu-north-1' } } }),
    );
    // Point at a closed loopback port: health fails fast, but the resolved config is reported.
    // The AWS credential chain reads the real environment, so the credentials go there.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const base = { STREAMCTL_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const fromFile = await runCli(['status', '--json'], { cwd, env: base });
    const report = jsonLines(fromFile.stdout)[0] as {
      stage: string;
      region: string;
      healthy: boolean;
      config: { sources: Record<string, string>; file: string };
    };
    expect(fromFile.code).toBe(1);
    expect(report).toMatchObject({ stage: 'dev', region: 'eu-west-1', healthy: false });
    expect(report.config.sources).toMatchObject({
      stage: 'file',
      region: 'file',
      maxAttempts: 'file',
      endpointUrl: 'env',
    });
    expect(report.config.file).toBe(join(cwd, 'streamctl.config.json'));

    const fromEnv = await runCli(['status', '--json'], { cwd, env: { ...base, STREAMCTL_STAGE: 'qa' } });
    expect(jsonLines(fromEnv.stdout)[0]).toMatchObject({ stage: 'qa', region: 'eu-north-1' });

    const fromFlag = await runCli(['status', '--json', '--stage', 'qa', '--region', 'us-west-2'], {
      cwd,
      env: { ...base, STREAMCTL_STAGE: 'dev', AWS_REGION: 'ca-central-1' },
    });
    const flagged = jsonLines(fromFlag.stdout)[0] as { stage: string; region: string; config: { sources: object } };
    expect(flagged).toMatchObject({ stage: 'qa', region: 'us-west-2' });
    expect(flagged.config.sources).toMatchObject({ stage: 'flag', region: 'flag' });
  });

  it('a broken config file is exit 2 (invalid input, like a bad flag) with the file and field named', async () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'streamctl.config.json'), JSON.stringify({ region: 'mars' }));
    const run = await runCli(['status'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/Invalid config file .*streamctl\.config\.json: region: expected an AWS Region/);
  });
});

describe('non-interactive prompts', () => {
  it('status on a local stage with nothing running exits 1 and says how to start it', async () => {
    const run = await runCli(['status', '--stage', 'local'], { cwd: tmp() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/UNHEALTHY/);
    expect(run.stdout).toMatch(/start it in another terminal with `streamctl dev`/);
  });
});

/** Every command of the program, groups included (`titles`, `failover status`, …), read from the program itself. */
function commandPaths(): string[] {
  const walk = (command: Command, prefix: string[]): string[] =>
    command.commands.flatMap((c) => {
      const path = [...prefix, c.name()];
      return [path.join(' '), ...walk(c, path)];
    });
  return walk(buildProgram(processIO()), []);
}
type Command = ReturnType<typeof buildProgram>;

/**
 * One or more bad command lines per command: each must exit 2 with one
 * `error:` line on stderr and nothing on stdout, before any step starts (no
 * platform runs here, so a check made after reaching it would exit 1).
 */
const BAD_FLAGS: Record<string, string[][]> = {
  dev: [['dev', '--api-port', 'http']],
  status: [['status', '--region', 'moon-1']],
  init: [['init', '--yes', '--region', 'mars']],
  ingest: [
    ['ingest', 'clip.mp4', '--captions', 'en'],
    ['ingest', 'clip.mp4', '--ladder', 'nope'],
    ['ingest', 'clip.mp4', '--protection', 'fairplay'],
  ],
  publish: [
    ['publish', 'clip', '--countries', 'ALL', '--from', 'notadate'],
    ['publish', 'clip', '--countries', 'ALL', '--from', '2027-02-01T00:00:00Z', '--until', '2027-01-01T00:00:00Z'],
  ],
  unpublish: [['unpublish']],
  titles: [['titles', '--bogus']],
  'titles list': [
    ['titles', 'list', '--cursor', 'garbage'],
    ['titles', 'list', '--limit', '0'],
  ],
  'titles get': [['titles', 'get']],
  'titles describe': [
    ['titles', 'describe', 'clip'],
    ['titles', 'describe', 'clip', '--synopsis', 'x'.repeat(2001)],
  ],
  recs: [['recs', 'alice']],
  search: [
    ['search'],
    ['search', 'harbor', '--limit', '0'],
    ['search', 'harbor', '--country', 'UK'],
    ['search', '   '],
    ['search', 'x'.repeat(201)],
    ['search', 'harbor', '--genre', 'Sci Fi'],
  ],
  failover: [['failover'], ['failover', '--dry-run', '--too', 'eu-west-1']],
  'failover status': [['failover', 'status', '--bogus']],
  'failover drill': [['failover', 'drill', '--to']],
  token: [['token', '--user', 'a', '--ttl', 'forever']],
  sign: [['sign', 'https://cdn.example.com/a.m3u8', '--expires-in', '1h', '--expires-at', '2030-01-01T00:00:00Z']],
  keys: [['keys', 'rotat']],
  'keys list': [['keys', 'list', 'extra']],
  'keys rotate': [['keys', 'rotate', '--timeout', 'soon', '--yes']],
  'keys retire': [['keys', 'retire', '--bogus']],
  ladder: [['ladder', 'lst']],
  'ladder list': [['ladder', 'list', 'extra']],
  'ladder show': [['ladder', 'show', 'nope']],
  'ladder render': [['ladder', 'render', 'default', '--target', 'bogus']],
  events: [['events', 'tial']],
  'events publish': [['events', 'publish']],
  'events tail': [['events', 'tail', '--limit', 'abc']],
  'events example': [['events', 'example', '--count', '0']],
  analytics: [['analytics', 'qurey']],
  'analytics query': [
    ['analytics', 'query', ' '],
    ['analytics', 'query', 'select 1', '--tsv'],
  ],
  report: [['report', 'qeo']],
  'report qoe': [
    ['report', 'qoe', '--since', 'yesterday'],
    ['report', 'qoe', '--by', 'country'],
    ['report', 'qoe', '--slo', 'startupP95Ms=fast'],
    ['report', 'qoe', '--since', '1h', '--until', '2020-01-01T00:00:00Z'],
  ],
  'report engagement': [['report', 'engagement', '--until', 'soon']],
  plan: [['plan', 'capcity']],
  'plan capacity': [
    ['plan', 'capacity', '--viewers', '-5'],
    [
      'plan',
      'capacity',
      '--viewers',
      '10',
      '--peak-concurrency',
      '20',
      '--events-per-viewer-minute',
      '6',
      '--regions',
      'us-east-1',
    ],
  ],
  users: [['users', 'bogus']],
  'users show': [['users', 'show', 'a@b']],
  'users set-country': [
    ['users', 'set-country', 'a@b', 'GB'],
    ['users', 'set-country', 'alice', 'UK'],
  ],
  sessions: [['sessions', 'bogus']],
  'sessions list': [
    ['sessions', 'list'],
    ['sessions', 'list', '--user', 'a@b'],
  ],
  'sessions revoke': [
    ['sessions', 'revoke'],
    ['sessions', 'revoke', '--all'],
    ['sessions', 'revoke', 'not-a-session'],
  ],
  devices: [['devices', 'bogus']],
  'devices list': [['devices', 'list', '--user', 'al ice']],
  'devices remove': [['devices', 'remove', 'tv/1', '--user', 'alice']],
  watchlist: [['watchlist', 'lst']],
  'watchlist list': [['watchlist', 'list', '--user', 'alice', '--limit', '0']],
  'watchlist add': [['watchlist', 'add', '--user', 'alice', 'no such/title']],
  'watchlist remove': [['watchlist', 'remove', 'clip']],
  privacy: [['privacy', 'exprot', 'alice']],
  'privacy export': [
    ['privacy', 'export', 'a@b'],
    ['privacy', 'export', 'alice', '--force'],
  ],
  'privacy erase': [
    ['privacy', 'erase', 'alice'],
    ['privacy', 'erase', 'al ice', '--yes'],
  ],
  'privacy status': [['privacy', 'status', 'not-a-uuid']],
  'privacy consent': [
    ['privacy', 'consent', 'alice', 'maybe'],
    ['privacy', 'consent', 'alice', '--country', 'UK'],
  ],
};

describe('exit codes: usage and validation errors exit 2 in every command', () => {
  it('every command of the program has a bad-flag case (add one for a new command)', () => {
    expect(commandPaths().filter((path) => !BAD_FLAGS[path]?.length)).toEqual([]);
  });

  const cases = Object.values(BAD_FLAGS)
    .flat()
    .map((argv) => [argv]);
  it.each(cases)(
    '%j',
    async (argv) => {
      const cwd = tmp();
      const run = await runCli(argv, { cwd, env: { STREAMCTL_DATA_DIR: join(cwd, 'data') } });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatchSnapshot();
      // The first case to load the SDK pays for its import on a busy machine.
    },
    30_000,
  );

  it('help exits 0: streamctl help, help <command>, <group> --help', async () => {
    for (const argv of [['help'], ['help', 'titles'], ['help', 'ladder', 'render'], ['titles', '--help']]) {
      const run = await runCli(argv);
      expect({ argv, code: run.code, stderr: run.stderr }).toEqual({ argv, code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^Usage: streamctl /);
    }
  });

  it('a group without a command prints its help and exits 2, pointing at that help', async () => {
    const run = await runCli(['events']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: streamctl events /);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'error: streamctl events needs a command; see `streamctl events --help`',
    );
  });

  it('a declined confirmation exits 1 with a plain message, not an error line', () => {
    const report = describeError(new DeclinedError('failover'));
    expect(report.exitCode).toBe(1);
    expect(formatErrorLine(report)).toBe('Nothing changed: failover not confirmed.');
  });
});

describe('help shows the way', () => {
  it("a command's help lists the global flags it takes", async () => {
    const run = await runCli(['titles', 'list', '--help']);
    const globals = run.stdout.slice(run.stdout.indexOf('Global Options:'));
    for (const flag of [
      '--json',
      '--yes',
      '--stage',
      '--region',
      '--profile',
      '--endpoint-url',
      '--data-dir',
      '--verbose',
    ])
      expect(globals).toContain(flag);
  });

  it('an invalid choice names the valid values once, and help shows them', async () => {
    const run = await runCli(['ladder', 'render', 'default', '--target', 'bogus']);
    expect(run.stderr).toBe('error: invalid --target "bogus"; use one of mediaconvert, ffmpeg\n');
    const help = await runCli(['ladder', 'render', '--help']);
    expect(help.stdout).toMatch(/--target <target> +what to render for \(choices: "mediaconvert",\s+"ffmpeg"\)/);
  });

  it.each([
    [['statsu'], "error: unknown command 'statsu'; did you mean status? See `streamctl --help`"],
    [['ladder', 'shwo', 'x'], "error: unknown command 'shwo'; did you mean show? See `streamctl ladder --help`"],
    [['status', '--jsn'], "error: unknown option '--jsn'; did you mean --json? See `streamctl status --help`"],
    [
      ['titles', 'list', '--stauts', 'READY'],
      "error: unknown option '--stauts'; did you mean --status? See `streamctl titles list --help`",
    ],
    [['titles', 'list', '--bogus'], "error: unknown option '--bogus'; see `streamctl titles list --help`"],
    [
      ['sessions', 'revoke', '-tXvMHaPlKihIKeR.b3BzLWI'],
      "error: unknown option '-tXvMHaPlKihIKeR.b3BzLWI'; if -tXvMHaPlKihIKeR.b3BzLWI is a value, put it after `--`: streamctl sessions revoke -- -tXvMHaPlKihIKeR.b3BzLWI",
    ],
  ])('a typo gets "did you mean" and the command\'s own help: %j', async (argv, line) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`${line}\n`);
  });
});

describe('--data-dir is a global flag every command honours', () => {
  it('token --data-dir mints with the key of that data dir', async () => {
    const dataDir = join(tmp(), 'data');
    const run = await runCli(['token', '--user', 'alice', '--country', 'GB', '--data-dir', dataDir, '--json'], {
      cwd: tmp(),
    });
    expect(run.code).toBe(0);
    const [out] = jsonLines(run.stdout) as Array<{ token: string }>;
    const { verifyDevToken } = await import('@streamctl/local');
    await expect(verifyDevToken(dataDir, out?.token ?? '')).resolves.toEqual({
      userId: 'alice',
      country: 'GB',
      plan: 'standard',
    });
  });

  it.each([
    [['status']],
    [['titles', 'list']],
    [['recs', 'alice', '--country', 'GB']],
    [['failover', '--to', 'eu-west-1']],
  ])('%j --data-dir looks for the platform there, as the advice says', async (argv) => {
    const dataDir = join(tmp(), 'elsewhere');
    const run = await runCli([...argv, '--data-dir', dataDir], { cwd: tmp() });
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain(`The local platform is not running (data dir ${dataDir})`);
  });
});

describe('--json errors: one JSON document on stdout, the same error as one line on stderr', () => {
  it.each([
    [['status', '--jsn', '--json'], 2, 'USAGE'],
    [['ladder', 'render', 'default', '--target', 'bogus', '--json'], 2, 'USAGE'],
    [['ladder', 'show', 'nope', '--json'], 2, 'USAGE'],
    [['init', '--yes', '--region', 'mars', '--json'], 2, 'USAGE'],
    [['token', '--user', 'bob', '--stage', 'prod', '--json'], 1, 'LOCAL_STAGE_ONLY'],
    [['titles', 'list', '--json'], 1, 'LOCAL_NOT_RUNNING'],
    // Without --json the group's help goes to stderr first; with it, only the error line does.
    [['titles', '--json'], 2, 'USAGE'],
  ])('%j', async (argv, code, errorCode) => {
    const cwd = tmp();
    const run = await runCli(argv as string[], { cwd, env: { STREAMCTL_DATA_DIR: join(cwd, 'data') } });
    expect(run.code).toBe(code);
    const docs = jsonLines(run.stdout) as Array<{ error: { code: string; message: string; hint?: string } }>;
    expect(docs).toHaveLength(1);
    expect(Object.keys(docs[0] ?? {})).toEqual(['error']);
    expect(docs[0]?.error.code).toBe(errorCode);
    const { error } = docs[0] as { error: { message: string; hint?: string } };
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(error.message.replace(/[.\s]+$/, ''));
    if (error.hint) expect(lines[0]).toContain(error.hint);
  });
});

describe('failover advice on the local stage', () => {
  it('failover drill --to reaches the drill (failover has a --to of its own)', async () => {
    const run = await runCli(['failover', 'drill', '--to', 'eu-west-1', '--stage', 'prod', '--region', 'us-east-1'], {
      cwd: tmp(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: eu-west-1 is not a Region of stage prod (us-east-1)\n');
  });

  it('a Region the local platform does not run says how to start it with that Region too', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const run = await runCli(['failover', '--to', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:9'], {
      cwd: tmp(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: eu-west-1 is not a Region of stage local (us-east-1); start the local platform with it: streamctl dev --regions us-east-1,eu-west-1\n',
    );
  });
});
