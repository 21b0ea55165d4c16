import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../test/run-cli.js';

const mc = [
  '--target',
  'mediaconvert',
  '--input',
  's3://raw/masters/t1.mov',
  '--output',
  's3://cdn/titles/t1/',
  '--role',
  'arn:aws:iam::123456789012:role/mc',
];

describe('streamctl ladder', () => {
  it('lists the built-in ladders', async () => {
    const run = await runCli(['ladder', 'list', '--json']);
    expect(run.code).toBe(0);
    const [out] = jsonLines(run.stdout) as Array<{ ladders: Array<{ name: string }> }>;
    expect(out?.ladders.map((l) => l.name)).toEqual(['default', 'mobile', 'premium-4k']);
    const human = await runCli(['ladder', 'list']);
    expect(human.stdout).toMatch(/premium-4k .*H\.265/);
  });

  it('shows a ladder, and names a missing one with the fix (a usage error: exit 2)', async () => {
    const run = await runCli(['ladder', 'show', 'premium-4k']);
    expect(run.stdout).toMatch(/2160p\s+3840x2160\s+h265/);
    // Every built-in ladder has a rung for constrained networks, the 4K one included.
    expect(run.stdout).toMatch(/^premium-4k: H\.265, 360p to 2160p/);
    expect(run.stdout.split('\n')[1]).toMatch(/^ {2}360p\s+640x360\s+h265\s+QVBR 7, max 0\.4 Mb\/s$/);
    const missing = await runCli(['ladder', 'show', 'ultra']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: No ladder named "ultra"; use one of default, mobile, premium-4k/);
  });

  it('renders the CreateJob request itself with --json', async () => {
    const run = await runCli(['ladder', 'render', 'default', ...mc, '--title-id', 't1', '--json']);
    expect(run.code).toBe(0);
    const [request] = jsonLines(run.stdout) as Array<{
      Role: string;
      Settings: { OutputGroups: unknown[] };
      UserMetadata: object;
    }>;
    expect(request?.Role).toBe('arn:aws:iam::123456789012:role/mc');
    expect(request?.UserMetadata).toEqual({ ladder: 'default', titleId: 't1' });
  });

  it('renders an ffmpeg command line', async () => {
    const run = await runCli([
      'ladder',
      'render',
      'mobile',
      '--target',
      'ffmpeg',
      '--input',
      'clip.mp4',
      '--output',
      'out',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^mkdir -p out out\/thumbnails && ffmpeg -hide_banner .* -master_pl_name master\.m3u8 .* out\/%v\/index\.m3u8 .* out\/poster\.jpg\n$/,
    );
  });

  it.each([
    [['ladder', 'render', 'default'], /--target is required/],
    [
      ['ladder', 'render', 'default', '--target', 'elemental'],
      /invalid --target "elemental"; use one of mediaconvert, ffmpeg\n/,
    ],
    [
      ['ladder', 'render', 'default', '--target', 'mediaconvert', '--input', 's3://a/b'],
      /--output is required for --target mediaconvert/,
    ],
    [['ladder', 'render', 'default', ...mc.slice(0, 6), '--role', 'mc'], /expected an IAM role ARN/],
  ])('%j is a usage error', async (argv, message) => {
    const run = await runCli(argv as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
