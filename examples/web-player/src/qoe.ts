/**
 * The player's QoE measurements for one playback session, from the media element's events as the
 * player hears them, on a clock of its own (`performance.now` in the page, a fake one in tests):
 *
 * - startup: from the play request to the session's first `playing`;
 * - a stall: a `waiting` after playback started, not during a seek nor while paused, until the
 *   next `playing` (or until the viewer pauses, seeks away or leaves: what they waited is reported);
 * - watch time: time playing (not paused, stalled or seeking), taken by each event that reports it.
 */

/** What a `playing` ended or began. */
export interface PlayingMeasure {
  /** On the session's first `playing`: time from the play request, ms. */
  startupMs?: number;
  /** When it ends a stall: the stall's duration, ms. */
  stallMs?: number;
}

/** Why the media stopped playing. */
export type HaltReason = 'pause' | 'seeking' | 'ended' | 'error' | 'stop';

/**
 * Measures one playback session.
 *
 * @example
 * ```ts
 * const meter = new QoeMeter(() => performance.now()); // at the play request
 * video.addEventListener('playing', () => {
 *   const { startupMs, stallMs } = meter.playing();
 *   if (startupMs !== undefined) send('startup', { startupMs });
 * });
 * send('progress', { watchMs: meter.takeWatchMs() });
 * ```
 */
export class QoeMeter {
  private started = false;
  private paused = false;
  private seeking = false;
  private playingSince: number | undefined;
  private stallSince: number | undefined;
  /** Playing time not yet taken, ms (with its fraction, so the sum of what is taken stays exact). */
  private watched = 0;
  private readonly requestedAt: number;

  constructor(private readonly clock: () => number) {
    this.requestedAt = clock();
  }

  /** The media plays (`playing`): the first time is the startup; after a stall, the stall ends. */
  playing(): PlayingMeasure {
    const t = this.clock();
    const measure: PlayingMeasure = {};
    if (!this.started) {
      this.started = true;
      measure.startupMs = Math.round(t - this.requestedAt);
    }
    const stallMs = this.endStall(t);
    if (stallMs !== undefined) measure.stallMs = stallMs;
    this.paused = false;
    this.seeking = false;
    this.playingSince ??= t;
    return measure;
  }

  /** The media waits for data (`waiting`): a stall, unless playback has not started, is paused or seeks. */
  waiting(): void {
    const t = this.clock();
    this.stopWatch(t);
    if (this.started && !this.paused && !this.seeking) this.stallSince ??= t;
  }

  /**
   * The media stopped playing: paused, seeking, ended, failed, or the player stopped. A stall under
   * way ends here; its duration so far is answered.
   */
  halted(reason: HaltReason): number | undefined {
    const t = this.clock();
    this.stopWatch(t);
    if (reason === 'pause') this.paused = true;
    if (reason === 'seeking') this.seeking = true;
    return this.endStall(t);
  }

  /**
   * A seek finished (`seeked`). It plays on at once when the position was buffered (then no
   * `playing` follows): `playsNow` is whether the media is unpaused with data to play.
   */
  seeked(playsNow: boolean): void {
    this.seeking = false;
    if (playsNow && this.started) this.playingSince ??= this.clock();
  }

  /** Playing time since the last take, whole ms (the fraction carries over to the next take). */
  takeWatchMs(): number {
    const t = this.clock();
    if (this.playingSince !== undefined) {
      this.watched += t - this.playingSince;
      this.playingSince = t;
    }
    const whole = Math.floor(this.watched);
    this.watched -= whole;
    return whole;
  }

  private stopWatch(t: number): void {
    if (this.playingSince === undefined) return;
    this.watched += t - this.playingSince;
    this.playingSince = undefined;
  }

  private endStall(t: number): number | undefined {
    if (this.stallSince === undefined) return undefined;
    const stallMs = Math.round(t - this.stallSince);
    this.stallSince = undefined;
    return stallMs;
  }
}

/**
 * The `quality_switch` fields of hls.js switching to a level of `toBitrate` (bit/s) after one of
 * `fromBitrate`: none for the first level picked (no switch), an unknown bitrate or the same one.
 *
 * @example
 * ```ts
 * bitrateSwitch(undefined, 800_000); // undefined: the first level
 * bitrateSwitch(800_000, 400_000.4); // { fromBitrate: 800000, toBitrate: 400000 }
 * ```
 */
export function bitrateSwitch(
  fromBitrate: number | undefined,
  toBitrate: number | undefined,
): { fromBitrate: number; toBitrate: number } | undefined {
  const to = Math.round(toBitrate ?? 0);
  if (fromBitrate === undefined || to <= 0 || to === fromBitrate) return undefined;
  return { fromBitrate, toBitrate: to };
}

/**
 * An error code the API takes (`[A-Za-z0-9_./:-]{1,64}`): other characters become `_`.
 *
 * @example
 * ```ts
 * errorCode('networkError/fragLoadError'); // "networkError/fragLoadError"
 * errorCode('media error (3)'); // "media_error__3_"
 * ```
 */
export function errorCode(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_./:-]/g, '_').slice(0, 64) || 'unknown';
}
