/**
 * Playback: a grant from the API (a playback session on this device, a
 * signed URL and CloudFront signed cookies for the title's tree), hls.js
 * loading through the edge with the cookies, resume from the last position,
 * and the engagement and QoE events of SPEC §8 (startup time, stalls, watch
 * time, bitrate switches, errors: see qoe.ts), each carrying the playback
 * session's id. The session lives by heartbeats:
 * each renews the grant (fresh cookies); one answered "not found" means the
 * session was ended elsewhere, and playback stops here.
 */
import { ApiError, type Client, type ClientEvent, type DeviceInput, type PlaybackGrant } from '@streamctl/client';
import { ErrorCode } from '@streamctl/client/errors';
import Hls from 'hls.js';
import type { EventSender, PlayerEventType } from './events.js';
import { bitrateSwitch, errorCode, QoeMeter } from './qoe.js';

export interface Playback {
  /** The playback session this player holds. */
  readonly sessionId: string;
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
      .then((cw) => cw.items.find((i) => i.titleId === titleId)?.positionSec ?? 0)
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
  const hls = new Hls({
    xhrSetup: async (xhr, url) => {
      // A key this title's manifests name goes to the API's key route with the viewer's token (never
      // to the CDN, and never with its cookies); everything else goes to the CDN with the cookies.
      const key = await client.keyRequest(url, protection);
      if (key) {
        xhr.open('GET', key.url, true);
        for (const [name, value] of Object.entries(key.headers)) xhr.setRequestHeader(name, value);
        return;
      }
      xhr.withCredentials = true;
    },
    fetchSetup: (context, init) => new Request(context.url, { ...init, credentials: 'include' }),
  });
  let started = false;
  let progressTimer: ReturnType<typeof setInterval> | undefined;
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
  // The first level hls.js picks is no switch; each change after it is, with both bitrates.
  let bitrate: number | undefined;
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
    const to = hls.levels[data.level]?.bitrate;
    const change = bitrateSwitch(bitrate, to);
    if (change) emit('quality_switch', change);
    if (to && to > 0) bitrate = Math.round(to);
    onStatus(`quality level ${data.level}`);
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    stalled(meter.halted('error'));
    emit('error', { errorCode: errorCode(`${data.type}/${data.details}`) });
    void events.flush();
    // A refused key is the API saying no (not entitled here, or the session ended): say so.
    const refused = data.details === Hls.ErrorDetails.KEY_LOAD_ERROR ? data.response?.code : undefined;
    onStatus(
      refused ? `playback error: the title's key was refused (HTTP ${refused})` : `playback error: ${data.details}`,
    );
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    if (resume > 0) video.currentTime = resume;
    void video.play().catch((err: Error) => onStatus(`press play (${err.message})`));
  });
  hls.loadSource(grant.manifestUrl);
  hls.attachMedia(video);
  onStatus(resume > 0 ? `resuming at ${resume} s` : 'loading');

  let stopped = false;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
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
    hls.destroy();
  };
  // Each heartbeat is timed from the answer before it, so a slow API never has two in flight.
  const heartbeat = (afterMs: number) => {
    heartbeatTimer = setTimeout(() => {
      client.heartbeat(sessionId).then(
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
      );
    }, afterMs);
  };
  heartbeat(grant.session.heartbeatSec * 1000);

  return {
    sessionId,
    stop() {
      if (stopped) return;
      halt();
      // Idempotent on the API; sent with keepalive (see api.ts), so it still goes out as the page closes.
      client.endSession(sessionId).catch((err: Error) => console.info('session not ended:', err.message));
    },
  };
}
