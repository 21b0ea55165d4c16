/**
 * Playback: a grant from the API (a playback session on this device, a
 * signed URL and CloudFront signed cookies for the title's tree), hls.js
 * loading through the edge with the cookies, resume from the last position,
 * and the engagement events of SPEC §8. The session lives by heartbeats:
 * each renews the grant (fresh cookies); one answered "not found" means the
 * session was ended elsewhere, and playback stops here.
 */
import { ApiError, type Client, type DeviceInput, type PlaybackGrant } from '@streamctl/client';
import { ErrorCode } from '@streamctl/client/errors';
import Hls from 'hls.js';
import type { EventSender } from './events.js';

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
  const hls = new Hls({
    xhrSetup: (xhr) => {
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
        if (!started) {
          started = true;
          events.send('play', titleId, position());
        }
        progressTimer ??= setInterval(() => events.send('progress', titleId, position()), PROGRESS_EVERY_MS);
        onStatus(`playing at ${video.currentTime.toFixed(1)} s`);
      },
    ],
    [
      'pause',
      () => {
        clearInterval(progressTimer);
        progressTimer = undefined;
        if (!video.ended) events.send('pause', titleId, position());
        void events.flush();
      },
    ],
    ['seeked', () => events.send('seek', titleId, position())],
    ['waiting', () => started && events.send('rebuffer', titleId, position())],
    [
      'ended',
      () => {
        clearInterval(progressTimer);
        events.send('complete', titleId, position());
        void events.flush();
        onStatus('finished');
      },
    ],
  ];
  for (const [name, fn] of listeners) video.addEventListener(name, fn);
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
    if (started) events.send('quality_switch', titleId, position());
    onStatus(`quality level ${data.level}`);
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (data.fatal) onStatus(`playback error: ${data.details}`);
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
    if (started && !video.ended) events.send('pause', titleId, position());
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
