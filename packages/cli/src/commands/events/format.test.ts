import { EVENT_TYPES, EventV1Schema, parseEvent } from '@streamctl/sdk';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../../test/run-cli.js';

describe('the event format is shown where a newcomer looks', () => {
  it('events publish --help lists every field of the schema, which are required, every type and a valid line', async () => {
    const run = await runCli(['events', 'publish', '--help']);
    expect(run.code).toBe(0);
    const rows = [...run.stdout.matchAll(/^ {4}(\w+) +(yes|no) +/gm)].map((m) => [m[1], m[2]]);
    const shape = EventV1Schema.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;
    expect(rows).toEqual(
      Object.entries(shape).map(([field, schema]) => [field, schema.safeParse(undefined).success ? 'no' : 'yes']),
    );
    for (const field of ['startupMs', 'stallMs', 'watchMs', 'fromBitrate', 'toBitrate', 'errorCode'])
      expect(run.stdout).toMatch(new RegExp(`^ +${field} `, 'm'));
    const words = run.stdout.replace(/\s+/g, ' ');
    for (const type of EVENT_TYPES) expect(words).toContain(` ${type}`);
    const line = run.stdout.split('\n').find((l) => l.trim().startsWith('{"v":1'));
    expect(parseEvent(JSON.parse(line as string))).toMatchObject({ type: 'progress', titleId: 't1' });
    expect(run.stdout).toContain('$ streamctl events example > events.ndjson');
  });

  it('events example prints lines that validate, one of each type by default', async () => {
    const run = await runCli(['events', 'example']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const events = jsonLines(run.stdout).map((line) => parseEvent(line));
    expect(events.map((e) => e.type)).toEqual([...EVENT_TYPES]);
  });

  it('events example --count N --user U --title T prints N such lines, with or without --json', async () => {
    for (const json of [[], ['--json']]) {
      const run = await runCli(['events', 'example', '--count', '3', '--user', 'bob', '--title', 'movie-1', ...json]);
      expect(run.code).toBe(0);
      const events = jsonLines(run.stdout).map((line) => parseEvent(line));
      expect(events.map((e) => [e.type, e.userId, e.titleId])).toEqual([
        ['play', 'bob', 'movie-1'],
        ['pause', 'bob', 'movie-1'],
        ['seek', 'bob', 'movie-1'],
      ]);
    }
  });

  it.each([
    [['events', 'example', '--count', '0'], 'error: invalid --count "0"; pass a whole number from 1 to 10000'],
    [
      ['events', 'example', '--user', 'a b'],
      /^error: .*userId.*; use letters, digits and \. _ : - in --user and --title$/,
    ],
  ])('%j is a usage error', async (argv, message) => {
    const run = await runCli(argv);
    expect(run.stdout).toBe('');
    if (typeof message === 'string') expect(run.stderr.trim()).toBe(message);
    else expect(run.stderr.trim()).toMatch(message);
    expect(run.code).toBe(2);
  });
});
