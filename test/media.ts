/**
 * Media checks the tests share: how many video frames ffprobe decodes from
 * a file or playlist (the test of "plays", "does not decode").
 */
import { spawnSync } from 'node:child_process';

/**
 * The video frames ffprobe decodes from a file or an HLS playlist: the count of its first
 * program (ffprobe prints one per HLS program), 0 when nothing decodes.
 *
 * @example
 * ```ts
 * expect(videoFramesDecoded('out/360p/index.m3u8')).toBeGreaterThan(70);
 * ```
 */
export function videoFramesDecoded(file: string): number {
  const out = spawnSync(
    'ffprobe',
    [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file],
    ],
    { encoding: 'utf8' },
  );
  return Number.parseInt(out.stdout.trim().split('\n')[0] ?? '', 10) || 0;
}
