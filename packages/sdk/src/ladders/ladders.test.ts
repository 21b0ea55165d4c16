import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitLadderToSource, listLadders, loadLadder, rungName } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-ladders-'));

describe('built-in ladders', () => {
  it('default spans at most 360p to at least 1080p in at least 5 rungs, bitrates rising', async () => {
    const ladder = await loadLadder('default');
    const heights = ladder.rungs.map((r) => r.height);
    expect(Math.min(...heights)).toBeLessThanOrEqual(360);
    expect(Math.max(...heights)).toBeGreaterThanOrEqual(1080);
    expect(ladder.rungs.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < ladder.rungs.length; i++) {
      expect(ladder.rungs[i]?.maxBitrate).toBeGreaterThan(ladder.rungs[i - 1]?.maxBitrate ?? 0);
    }
  });

  it('premium-4k reaches 2160p in H.265; mobile favours low rungs; segments are 2–6 s', async () => {
    const premium = await loadLadder('premium-4k');
    expect(premium.rungs.at(-1)).toMatchObject({ height: 2160, codec: 'h265' });
    const mobile = await loadLadder('mobile');
    expect(mobile.rungs.filter((r) => r.height <= 432).length).toBeGreaterThan(mobile.rungs.length / 2);
    for (const ladder of listLadders()) {
      expect(ladder.segmentSeconds).toBeGreaterThanOrEqual(2);
      expect(ladder.segmentSeconds).toBeLessThanOrEqual(6);
    }
    expect(listLadders().map((l) => l.name)).toEqual(['default', 'mobile', 'premium-4k']);
  });

  it('every built-in ladder starts at or below 360p, for constrained networks', () => {
    for (const ladder of listLadders()) {
      const lowest = Math.min(...ladder.rungs.map((r) => r.height));
      expect(lowest, ladder.name).toBeLessThanOrEqual(360);
      // The lowest rung comes first: it is the one a tiny master keeps (fitLadderToSource).
      expect(ladder.rungs[0]?.height, ladder.name).toBe(lowest);
    }
  });

  it('premium-4k starts at 640×360 H.265 with caps in line with Apple (145 kb/s average at 360p), rising', async () => {
    const premium = await loadLadder('premium-4k');
    expect(premium.rungs.slice(0, 2)).toMatchObject([
      { width: 640, height: 360, codec: 'h265', qvbrQuality: 7, maxBitrate: 400_000 },
      { width: 768, height: 432, codec: 'h265', qvbrQuality: 7, maxBitrate: 800_000 },
    ]);
    expect(premium.rungs.every((r) => r.codec === 'h265')).toBe(true);
    for (let i = 1; i < premium.rungs.length; i++) {
      expect(premium.rungs[i]?.maxBitrate).toBeGreaterThan(premium.rungs[i - 1]?.maxBitrate ?? 0);
    }
    expect(premium.description).toMatch(/^H\.265, 360p to 2160p/);
  });

  it('an unknown name says which ladders exist', async () => {
    await expect(loadLadder('ultra')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('default, mobile, premium-4k'),
    });
  });
});

describe('ladder files', () => {
  it('name every bad field precisely', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Bad Name',
        segmentSeconds: 10,
        rungs: [
          { width: 1280, height: 720, codec: 'h264', qvbrQuality: 7, maxBitrate: 3_000_000 },
          { width: 1920, height: 1081, codec: 'vp9', qvbrQuality: 11, maxBitrate: 2_000_000 },
          { width: 640, height: 360, codec: 'h264', qvbrQuality: 7, maxBitrate: 900_000, colour: 'red' },
        ],
      }),
    );
    const error = await loadLadder(file).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const paths = (error as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      ['name', 'rungs.1.codec', 'rungs.1.height', 'rungs.1.qvbrQuality', 'rungs.2', 'segmentSeconds'].sort(),
    );
    expect((error as Error).message).toContain(file);
  });

  it('check rung order and rising bitrates once the fields are right', async () => {
    const file = join(dir, 'order.json');
    const r = (height: number, maxBitrate: number) => ({
      width: Math.round((height * 16) / 9 / 2) * 2,
      height,
      codec: 'h264',
      qvbrQuality: 7,
      maxBitrate,
    });
    writeFileSync(
      file,
      JSON.stringify({ name: 'order', rungs: [r(360, 1_000_000), r(720, 900_000), r(540, 2_000_000)] }),
    );
    const error = await loadLadder(file).catch((err: unknown) => err);
    expect((error as Error).message).toMatch(/rungs\.1\.maxBitrate: must be above the 360p rung's 1000000/);
    expect((error as Error).message).toMatch(/rungs\.2\.height: rungs go from the lowest to the highest resolution/);
  });
});

describe('fitting a ladder to its master', () => {
  it('a 640×360 master keeps the 360p rung only and says why the others are left out', async () => {
    const ladder = await loadLadder('default');
    const { ladder: fitted, leftOut } = fitLadderToSource(ladder, { width: 640, height: 360 });
    expect(fitted.rungs.map(rungName)).toEqual(['360p']);
    expect(leftOut.map((r) => r.name)).toEqual(ladder.rungs.slice(1).map(rungName));
    expect(leftOut.at(-1)?.reason).toBe('the master is 640×360; a 1920×1080 rung would upscale it');
  });

  it('keeps a rung the master fills in one dimension (scope 1920×800), and the whole ladder for a 1080p master', async () => {
    const ladder = await loadLadder('default');
    expect(fitLadderToSource(ladder, { width: 1920, height: 800 }).leftOut).toEqual([]);
    const full = fitLadderToSource(ladder, { width: 1920, height: 1080 });
    expect(full).toEqual({ ladder, leftOut: [] });
  });

  it('a portrait master loses the rungs taller and wider than it; a tiny one still keeps the lowest rung', async () => {
    const ladder = await loadLadder('default');
    const portrait = fitLadderToSource(ladder, { width: 360, height: 640 });
    expect(portrait.ladder.rungs.every((r) => r.height <= 640 || r.width <= 360)).toBe(true);
    expect(portrait.leftOut.map((r) => r.name)).toEqual(['720p', '900p', '1080p']);
    const tiny = fitLadderToSource(ladder, { width: 160, height: 90 });
    expect(tiny.ladder.rungs.map(rungName)).toEqual(['360p']);
    expect(tiny.leftOut).toHaveLength(ladder.rungs.length - 1);
  });

  it('fits the size the master displays at: a rotated phone video, an anamorphic PAL master, DCI flat', async () => {
    const ladder = await loadLadder('default');
    // Stored 1280×720, turned a quarter: a 720×1280 portrait picture, no rung both wider and taller.
    const phone = fitLadderToSource(ladder, { width: 1280, height: 720, displayWidth: 720, displayHeight: 1280 });
    expect(phone.leftOut).toEqual([]);
    // 720×576 at SAR 64:45 shows as 1024×576: the 540p rung (960×540) is filled, 720p would upscale.
    const pal = fitLadderToSource(ladder, { width: 720, height: 576, displayWidth: 1024, displayHeight: 576 });
    expect(pal.ladder.rungs.map(rungName)).toEqual(['360p', '432p', '540p']);
    expect(pal.leftOut[0]?.reason).toBe('the master is 1024×576; a 1280×720 rung would upscale it');
    // 1998×1080 is wider than 1920×1080 but no taller: the 1080p rung stays (it comes out 1920×1038).
    expect(fitLadderToSource(ladder, { width: 1998, height: 1080 }).leftOut).toEqual([]);
  });
});
