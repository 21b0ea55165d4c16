/**
 * Playback: a grant from the API (signed URL and CloudFront signed cookies
 * for the title's tree), hls.js loading through the edge with the cookies,
 * resume from the last position, and the engagement events of SPEC §8.
 */
import type { Client } from '@streamctl/client';
import Hls from 'hls.js';
import type { EventSender } from './events.js';

export interface Playback {
  stop(): void;
}

const PROGRESS_EVERY_MS = 10_000;

export async function play(
  video: HTMLVideoElement,
  client: Client,
  events: EventSender,
  titleId: string,
  onStatus: (text: string) => void,
): Promise<Playback> {
  const [grant, resume] = await Promise.all([
    client.playback(titleId),
    client
      .continueWatching()
      .then((cw) => cw.items.find((i) => i.titleId === titleId)?.positionSec ?? 0)
      .catch(() => 0),
  ]);
  // The edge shares the page's host, so cookies set here reach it (cookies do not care about ports).
  for (const [name, value] of Object.entries(grant.cookies ?? {})) {
    // biome-ignore lint/suspicious/noDocumentCookie: CloudFront cookie values are URL-safe already, and CookieStore is not in every browser.
    document.cookie = `${name}=${value}; path=/titles/${titleId}/; SameSite=Lax`;
  }
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
  return {
    stop() {
      clearInterval(progressTimer);
      for (const [name, fn] of listeners) video.removeEventListener(name, fn);
      if (started && !video.ended) events.send('pause', titleId, position());
      void events.flush();
      hls.destroy();
    },
  };
}
