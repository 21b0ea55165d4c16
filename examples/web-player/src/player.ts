/**
 * Playback: a grant from the API (a playback session on this device, a
 * signed URL and CloudFront signed cookies for the title's tree), an engine
 * (hls.js, or dash.js for browsers that prefer DASH: see engine.ts) loading
 * through the edge with the cookies, resume from the last position, and the
 * engagement and QoE events of SPEC §8 (startup time, stalls, watch time,
 * bitrate switches, errors: see qoe.ts), each carrying the playback
 * session's id. The session lives by heartbeats:
 * each renews the grant (fresh cookies); one answered "not found" means the
 * session was ended elsewhere, and playback stops here. A 403 from the CDN
 * (the cookies expired) renews the grant at once and the engine retries.
 */
import { ApiError, type Client, type ClientEvent, type DeviceInput, type PlaybackGrant } from '@streamctl/client';
import { ErrorCode } from '@streamctl/client/errors';
import { createEngine, type Engine, engineFor } from './engine.js';
import type { EventSender, PlayerEventType } from './events.js';
import { bitrateSwitch, errorCode, QoeMeter } from './qoe.js';

export interface Playback {
  /** The playback session this player holds. */
  readonly sessionId: string;
  /** The engine playing (hls.js, dash.js or the browser's own HLS); none when it failed to start. */
  readonly engine: Engine | undefined;
  /** Stops playing and ends the session (its stream is free for another device at once). */
  stop(): void;
}

/** What the app around the player hears from it. */
export interface PlayerCallbacks {
  /** A one-line status ("playing at 3.2 s", "finished", an error). */
  onStatus(text: string): void;
  /**
   * The session ended without this player stopping it (stopped from another device, revoked, or
   * the title may no longer play here): playback has stopped. `reason` is the API's answer.
   */
  onSessionEnded(reason: ApiError): void;
  /** The engine plays: the controls attach to it. */
  onEngine?(engine: Engine): void;
  /** The engine's audio or caption tracks changed. */
  onTracks?(): void;
  /** The grant's thumbnail track (seek previews) was read: its URL, for the controls to load. */
  onThumbnailTrack?(url: string): void;
  /**
   * Playback failed for good: `keyRefused` (the key route's HTTP status) when a protected title's
   * key was refused, else the engine's error code.
   */
  onFailure?(failure: { code: string; keyRefused?: number }): void;
}

const PROGRESS_EVERY_MS = 10_000;
/** A heartbeat that fails for another reason (the API away a moment) is tried again this soon. */
const HEARTBEAT_RETRY_MS = 5_000;

/**
 * Sets a grant's CloudFront cookies for the title's tree. The edge shares the page's host, so
 * cookies set here reach it (cookies do not care about ports).
 */
function setGrantCookies(titleId: string, grant: PlaybackGrant): void {
  for (const [name, value] of Object.entries(grant.cookies ?? {})) {
    // biome-ignore lint/suspicious/noDocumentCookie: CloudFront cookie values are URL-safe already, and CookieStore is not in every browser.
    document.cookie = `${name}=${value}; path=/titles/${titleId}/; SameSite=Lax`;
  }
}

/** Whether a heartbeat's refusal means the session is over (not a moment's trouble worth retrying). */
function sessionIsOver(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === ErrorCode.NotFound || err.code === ErrorCode.Forbidden);
}

/**
 * Starts playing a title on this device. Rejects with the API's `ApiError` when no grant is
 * given: `STREAM_LIMIT` (with `sessions`) when the plan's streams all play elsewhere.
 *
 * @example
 * ```ts
 * const playback = await play(video, client, events, 't1', thisDevice(), { onStatus, onSessionEnded });
 * playback.stop(); // leaving the title: the session ends, the stream is free
 * ```
 */
export async function play(
  video: HTMLVideoElement,
  client: Client,
  events: EventSender,
  titleId: string,
  device: DeviceInput,
  callbacks: PlayerCallbacks,
): Promise<Playback> {
  const { onStatus } = callbacks;
  // The play request: startup is measured from here (the grant and the resume position included).
  const meter = new QoeMeter(() => performance.now());
  const [grant, resume] = await Promise.all([
    client.playback(titleId, device),
    client
      .continueWatching()
      .then((cw) => cw.items.find((i) => i.titleId === titleId && !i.completed)?.positionSec ?? 0)
      .catch(() => 0),
  ]);
  setGrantCookies(titleId, grant);
  const sessionId = grant.session.id;
  const position = () => ({
    positionSec: Math.floor(video.currentTime),
    durationSec: Math.max(1, Math.round(video.duration || 1)),
  });
  /** An event of this playback session, with the playing time since the session's previous one. */
  const emit = (type: PlayerEventType, extra: Partial<ClientEvent> = {}) =>
    events.send(type, titleId, { sessionId, ...position(), watchMs: meter.takeWatchMs(), ...extra });
  /** A stall the viewer waited through, reported when it ends. */
  const stalled = (stallMs: number | undefined) => {
    if (stallMs !== undefined) emit('rebuffer', { stallMs });
  };
  // The current grant's protection (a renewal may bring a new one): AES-128 keys come from the API.
  let protection = grant.protection;
  let started = false;
  let stopped = false;
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  let engine: Engine | undefined;
  const listeners: Array<[string, () => void]> = [
    [
      'playing',
      () => {
        const { startupMs, stallMs } = meter.playing();
        if (startupMs !== undefined) {
          started = true;
          emit('startup', { startupMs });
          emit('play');
        }
        stalled(stallMs);
        progressTimer ??= setInterval(() => emit('progress'), PROGRESS_EVERY_MS);
        onStatus(`playing at ${video.currentTime.toFixed(1)} s`);
      },
    ],
    ['waiting', () => meter.waiting()],
    [
      'pause',
      () => {
        clearInterval(progressTimer);
        progressTimer = undefined;
        stalled(meter.halted('pause'));
        if (!video.ended) emit('pause');
        void events.flush();
      },
    ],
    ['seeking', () => stalled(meter.halted('seeking'))],
    [
      'seeked',
      () => {
        meter.seeked(!video.paused && video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA);
        emit('seek');
      },
    ],
    [
      'ended',
      () => {
        clearInterval(progressTimer);
        stalled(meter.halted('ended'));
        emit('complete');
        void events.flush();
        onStatus('finished');
      },
    ],
    [
      'error',
      () => {
        stalled(meter.halted('error'));
        emit('error', { errorCode: errorCode(`media/${video.error?.code ?? 0}`) });
        void events.flush();
      },
    ],
  ];
  for (const [name, fn] of listeners) video.addEventListener(name, fn);

  /** Stops the player; the session is left as it is (the caller ends it, or it has ended). */
  const halt = () => {
    stopped = true;
    clearTimeout(heartbeatTimer);
    clearInterval(progressTimer);
    for (const [name, fn] of listeners) video.removeEventListener(name, fn);
    // The last of the session: a stall the viewer left in, and the playing time since the previous event.
    stalled(meter.halted('stop'));
    if (started && !video.ended) emit('pause');
    void events.flush();
    engine?.destroy();
  };

  /**
   * The heartbeat, which renews the grant: on its timer, and at once when the CDN refuses a request
   * (the cookies expired). Each is timed from the answer before it, so a slow API never has two in
   * flight; a renewal asked for while one is on its way waits for that one.
   */
  let renewal: Promise<void> | undefined;
  const renew = (): Promise<void> => {
    clearTimeout(heartbeatTimer);
    renewal ??= client
      .heartbeat(sessionId)
      .then(
        (renewed) => {
          if (stopped) return;
          setGrantCookies(titleId, renewed);
          protection = renewed.protection;
          heartbeat(renewed.session.heartbeatSec * 1000);
        },
        (err: unknown) => {
          if (stopped) return;
          if (!sessionIsOver(err)) {
            console.info('heartbeat not answered yet:', (err as Error).message);
            heartbeat(HEARTBEAT_RETRY_MS);
            return;
          }
          halt();
          callbacks.onSessionEnded(err);
        },
      )
      .finally(() => {
        renewal = undefined;
      });
    return renewal;
  };
  const heartbeat = (afterMs: number) => {
    clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(() => void renew(), afterMs);
  };

  // The first level the engine picks is no switch; each change after it is, with both bitrates.
  let bitrate: number | undefined;
  const kind = engineFor(grant, video);
  engine = await createEngine(kind, {
    video,
    grant,
    client,
    protection: () => protection,
    startAt: resume,
    events: {
      onReady: () => {
        void video.play().catch(() => {
          // A browser that will not play with sound before a gesture plays muted (the viewer unmutes).
          video.muted = true;
          return video.play().catch((err: Error) => onStatus(`press play (${err.message})`));
        });
        callbacks.onTracks?.();
      },
      onTracks: () => callbacks.onTracks?.(),
      onBitrate: (to) => {
        const change = bitrateSwitch(bitrate, to);
        if (change) emit('quality_switch', change);
        if (to && to > 0) bitrate = Math.round(to);
        onStatus(`quality ${to ? `${Math.round(to / 1000)} kbit/s` : 'changed'}`);
      },
      onFatal: (code, keyRefused) => {
        if (stopped) return;
        stalled(meter.halted('error'));
        emit('error', { errorCode: errorCode(code) });
        void events.flush();
        onStatus(
          keyRefused !== undefined
            ? `playback error: the title's key was refused (HTTP ${keyRefused})`
            : `playback error: ${code}`,
        );
        callbacks.onFailure?.({ code, ...(keyRefused !== undefined ? { keyRefused } : {}) });
      },
      onExpired: () => {
        onStatus('renewing the grant');
        return renew();
      },
    },
  }).catch((err: Error) => {
    onStatus(`playback error: ${err.message}`);
    callbacks.onFailure?.({ code: `${kind}/load` });
    return undefined;
  });
  if (engine) callbacks.onEngine?.(engine);
  if (grant.thumbnailTrackUrl) callbacks.onThumbnailTrack?.(grant.thumbnailTrackUrl);
  onStatus(resume > 0 ? `resuming at ${resume} s` : 'loading');
  heartbeat(grant.session.heartbeatSec * 1000);

  return {
    sessionId,
    engine,
    stop() {
      if (stopped) return;
      halt();
      // Idempotent on the API; sent with keepalive (see api.ts), so it still goes out as the page closes.
      client.endSession(sessionId).catch((err: Error) => console.info('session not ended:', err.message));
    },
  };
}
