/** The QoE meter on a clock the test moves: startup, stalls, watch time; and error codes. */
import { describe, expect, it } from 'vitest';
import { bitrateSwitch, errorCode, QoeMeter } from '../src/qoe.js';

function onClock() {
  const clock = { t: 1_000 };
  return { clock, meter: new QoeMeter(() => clock.t) };
}

describe('QoeMeter', () => {
  it('measures startup from the play request to the first playing, once', () => {
    const { clock, meter } = onClock();
    clock.t += 1_234.4;
    expect(meter.playing()).toEqual({ startupMs: 1_234 });
    meter.halted('pause');
    clock.t += 500;
    expect(meter.playing()).toEqual({});
  });

  it('a stall is a waiting after playback started until the next playing', () => {
    const { clock, meter } = onClock();
    meter.waiting(); // buffering before the first frame: part of startup, not a stall
    clock.t += 800;
    expect(meter.playing()).toEqual({ startupMs: 800 });
    clock.t += 4_000;
    meter.waiting();
    clock.t += 1_500;
    meter.waiting(); // a second waiting in the same stall
    clock.t += 1_500;
    expect(meter.playing()).toEqual({ stallMs: 3_000 });
    clock.t += 2_000;
    // Stalled time is not watch time.
    expect(meter.takeWatchMs()).toBe(6_000);
  });

  it('a waiting during a seek or while paused is no stall', () => {
    const { clock, meter } = onClock();
    meter.playing();
    clock.t += 1_000;
    expect(meter.halted('seeking')).toBeUndefined();
    meter.waiting();
    clock.t += 2_000;
    meter.seeked(false);
    clock.t += 300;
    expect(meter.playing()).toEqual({});
    meter.halted('pause');
    meter.waiting();
    clock.t += 700;
    expect(meter.playing()).toEqual({});
  });

  it('a stall the viewer pauses, seeks away from or leaves ends there', () => {
    const { clock, meter } = onClock();
    meter.playing();
    for (const reason of ['pause', 'seeking', 'stop'] as const) {
      meter.playing();
      meter.waiting();
      clock.t += 2_500;
      expect(meter.halted(reason)).toBe(2_500);
    }
  });

  it('watch time counts playing only, and what is taken sums to it exactly', () => {
    const { clock, meter } = onClock();
    clock.t += 900; // startup
    meter.playing();
    let taken = 0;
    clock.t += 3_333.3;
    taken += meter.takeWatchMs();
    clock.t += 3_333.3;
    meter.halted('pause');
    clock.t += 10_000; // paused
    taken += meter.takeWatchMs();
    meter.playing();
    clock.t += 3_333.4;
    meter.halted('seeking');
    clock.t += 400; // seeking
    meter.seeked(true); // a buffered position: it plays on without a `playing`
    clock.t += 1_000;
    meter.halted('ended');
    taken += meter.takeWatchMs();
    expect(taken).toBe(11_000);
    expect(meter.takeWatchMs()).toBe(0);
  });
});

describe('bitrateSwitch', () => {
  it('is a switch from the previous level, in whole bit/s; the first level and no change are none', () => {
    expect(bitrateSwitch(undefined, 800_000)).toBeUndefined();
    expect(bitrateSwitch(800_000, 800_000)).toBeUndefined();
    expect(bitrateSwitch(800_000, undefined)).toBeUndefined();
    expect(bitrateSwitch(800_000, 0)).toBeUndefined();
    expect(bitrateSwitch(800_000, 400_000.4)).toEqual({ fromBitrate: 800_000, toBitrate: 400_000 });
    expect(bitrateSwitch(400_000, 1_200_000)).toEqual({ fromBitrate: 400_000, toBitrate: 1_200_000 });
  });
});

describe('errorCode', () => {
  it('keeps the allowed characters, replaces the others and stays within 64', () => {
    expect(errorCode('networkError/fragLoadError')).toBe('networkError/fragLoadError');
    expect(errorCode('media/3')).toBe('media/3');
    expect(errorCode('mediaError/buffer append (error)')).toBe('mediaError/buffer_append__error_');
    expect(errorCode('x'.repeat(100))).toHaveLength(64);
    expect(errorCode('')).toBe('unknown');
    expect(errorCode('é')).toMatch(/^[A-Za-z0-9_./:-]{1,64}$/);
  });
});
