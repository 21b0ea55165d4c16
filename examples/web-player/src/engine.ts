/**
 * The playback engines behind one small interface: hls.js (the default), dash.js (for browsers that
 * prefer DASH) and the browser's own HLS (Safari on iOS, without MediaSource). The player wires
 * the QoE meter, heartbeats and the UI to an `Engine`, whichever plays.
 */
import type { Client, PlaybackGrant } from '@streamctl/client';
import type { MediaInfo, MediaPlayerClass } from 'dashjs';
import Hls, { type LoadPolicy } from 'hls.js';

export type EngineKind = 'hls' | 'dash' | 'native';

/** An audio or caption track as the menus list it. */
export interface Track {
  /** The engine's index of the track. */
  id: number;
  /** A label for people ("English", "Français (Audio Description)"). */
  label: string;
  lang?: string;
}

export interface Engine {
  readonly kind: EngineKind;
  audioTracks(): Track[];
  /** The playing audio track's id (-1 when unknown). */
  audioTrack(): number;
  setAudioTrack(id: number): void;
  captionTracks(): Track[];
  /** The caption track shown, or -1 for none. */
  captionTrack(): number;
  setCaptionTrack(id: number): void;
  /** The engine itself, for tests and debugging (`window.__streamctl.engine`). */
  readonly raw: unknown;
  destroy(): void;
}

/** What an engine reports to the player. */
export interface EngineEvents {
  /** The manifest is read: tracks are known. */
  onReady(): void;
  /** Tracks appeared or changed (the menus redraw). */
  onTracks(): void;
  /** A rendition switch, with the new bitrate in bit/s. */
  onBitrate(bitrate: number | undefined): void;
  /** A failure playback cannot get past; `keyRefused` is the key route's HTTP status when a key was refused. */
  onFatal(code: string, keyRefused?: number): void;
  /**
   * The CDN refused a request (403): the grant's cookies have likely expired. Renew the grant (its
   * cookies); the engine retries the request afterwards.
   */
  onExpired(): Promise<void>;
}

export interface EngineInput {
  video: HTMLVideoElement;
  grant: PlaybackGrant;
  /** The current grant's protection (a renewal may bring a new one). */
  protection(): PlaybackGrant['protection'];
  client: Client;
  /** Where to start, s. */
  startAt: number;
  events: EngineEvents;
}

/**
 * Which engine plays a grant, in this order:
 *
 * 1. An AES-128 title plays on hls.js, always: its keys come from the API's key route through
 *    hls.js's loader (dash.js has no such path for HLS keys).
 * 2. `?engine=dash` or `?engine=hls` (a viewer's or a test's choice) wins when that engine can play.
 * 3. hls.js when the browser has MediaSource for it (`Hls.isSupported()`: Chrome, Edge, Firefox,
 *    desktop Safari, Android).
 * 4. dash.js when the grant has an MPD and the browser has MediaSource but hls.js declines it
 *    (a browser with MSE that hls.js does not support, e.g. some TV browsers).
 * 5. The browser's own HLS (Safari on iOS, which has no MediaSource for hls.js).
 * 6. hls.js anyway: it reports what is missing.
 *
 * @example
 * ```ts
 * chooseEngine({ grant, forced: 'dash', hlsSupported: true, mse: true, nativeHls: false }); // 'dash' (when grant.dashManifestUrl)
 * ```
 */
export function chooseEngine(input: {
  grant: Pick<PlaybackGrant, 'dashManifestUrl' | 'protection'>;
  forced?: string | null;
  hlsSupported: boolean;
  mse: boolean;
  nativeHls: boolean;
}): EngineKind {
  const { grant, forced, hlsSupported, mse, nativeHls } = input;
  if (grant.protection?.scheme === 'aes-128') return hlsSupported || !nativeHls ? 'hls' : 'native';
  const dash = Boolean(grant.dashManifestUrl) && mse;
  if (forced === 'dash' && dash) return 'dash';
  if (forced === 'hls' && hlsSupported) return 'hls';
  if (hlsSupported) return 'hls';
  if (dash) return 'dash';
  if (nativeHls) return 'native';
  return 'hls';
}

/** The engine this browser and page ask for (see {@link chooseEngine}). */
export function engineFor(grant: PlaybackGrant, video: HTMLVideoElement): EngineKind {
  return chooseEngine({
    grant,
    forced: new URL(location.href).searchParams.get('engine'),
    hlsSupported: Hls.isSupported(),
    mse: 'MediaSource' in window || 'ManagedMediaSource' in window,
    nativeHls: video.canPlayType('application/vnd.apple.mpegurl') !== '',
  });
}

const languageNames = (() => {
  try {
    return new Intl.DisplayNames([typeof navigator === 'undefined' ? 'en' : navigator.language, 'en'], {
      type: 'language',
    });
  } catch {
    return undefined;
  }
})();

/**
 * A track's label for a menu: its name when it is more than a language code, else the language
 * in words ("fra" → "French"), else "Track n".
 *
 * @example
 * ```ts
 * trackLabel('fra', 'fra', 0); // "French"
 * trackLabel('Director commentary', 'en', 2); // "Director commentary"
 * ```
 */
export function trackLabel(name: string | undefined, lang: string | undefined, index: number): string {
  const code = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
  if (name && !code.test(name) && !/^(audio|subs?|text)[_-]?\d*$/i.test(name)) return name;
  const language = lang && lang !== 'und' ? lang : name && code.test(name) ? name : undefined;
  if (language) {
    try {
      const words = languageNames?.of(language);
      if (words && words !== language) return words;
    } catch {
      // Not a language code after all.
    }
    return language;
  }
  return `Track ${index + 1}`;
}

/**
 * A load policy that retries a 403 twice (after the grant is renewed) and leaves every other
 * answer to hls.js's own rule. The CDN answers 403 when the signed cookies have expired.
 */
function renewingPolicy(policy: LoadPolicy, renew: () => void): LoadPolicy {
  const base = policy.default;
  const errorRetry = base.errorRetry ?? { maxNumRetry: 0, retryDelayMs: 1000, maxRetryDelayMs: 8000 };
  return {
    default: {
      ...base,
      errorRetry: {
        ...errorRetry,
        shouldRetry: (_config, retryCount, _timeout, response, retry) => {
          if (response?.code !== 403) return retry;
          if (retryCount >= 2) return false;
          renew();
          return true;
        },
      },
    },
  };
}

/** hls.js: every CDN request with the cookies, AES-128 keys from the API's key route. */
function hlsEngine(input: EngineInput): Engine {
  const { video, client, events } = input;
  let renewing: Promise<void> | undefined;
  const renew = () => {
    renewing ??= events.onExpired().finally(() => {
      renewing = undefined;
    });
  };
  const defaults = Hls.DefaultConfig;
  const hls = new Hls({
    xhrSetup: async (xhr, url) => {
      // A key this title's manifests name goes to the API's key route with the viewer's token (never
      // to the CDN, and never with its cookies); everything else goes to the CDN with the cookies.
      const key = await client.keyRequest(url, input.protection());
      if (key) {
        xhr.open('GET', key.url, true);
        for (const [name, value] of Object.entries(key.headers)) xhr.setRequestHeader(name, value);
        return;
      }
      // A renewal under way: the request waits for the new cookies.
      if (renewing) await renewing;
      xhr.withCredentials = true;
    },
    fetchSetup: (context, init) => new Request(context.url, { ...init, credentials: 'include' }),
    manifestLoadPolicy: renewingPolicy(defaults.manifestLoadPolicy, renew),
    playlistLoadPolicy: renewingPolicy(defaults.playlistLoadPolicy, renew),
    fragLoadPolicy: renewingPolicy(defaults.fragLoadPolicy, renew),
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => events.onBitrate(hls.levels[data.level]?.bitrate));
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    // A refused key is the API saying no (not entitled here, or the session ended).
    const refused = data.details === Hls.ErrorDetails.KEY_LOAD_ERROR ? (data.response?.code ?? 0) : undefined;
    events.onFatal(`${data.type}/${data.details}`, refused);
  });
  for (const name of [
    Hls.Events.AUDIO_TRACKS_UPDATED,
    Hls.Events.AUDIO_TRACK_SWITCHED,
    Hls.Events.SUBTITLE_TRACKS_UPDATED,
    Hls.Events.SUBTITLE_TRACK_SWITCH,
  ] as const) {
    hls.on(name, () => events.onTracks());
  }
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    if (input.startAt > 0) video.currentTime = input.startAt;
    events.onReady();
  });
  hls.loadSource(input.grant.manifestUrl);
  hls.attachMedia(video);
  return {
    kind: 'hls',
    raw: hls,
    audioTracks: () => hls.audioTracks.map((t, i) => ({ id: i, label: trackLabel(t.name, t.lang, i), lang: t.lang })),
    audioTrack: () => hls.audioTrack,
    setAudioTrack: (id) => {
      hls.audioTrack = id;
    },
    captionTracks: () =>
      hls.subtitleTracks.map((t, i) => ({ id: i, label: trackLabel(t.name, t.lang, i), lang: t.lang })),
    captionTrack: () => (hls.subtitleDisplay ? hls.subtitleTrack : -1),
    setCaptionTrack: (id) => {
      hls.subtitleDisplay = id >= 0;
      hls.subtitleTrack = id;
      events.onTracks();
    },
    destroy: () => hls.destroy(),
  };
}

/** dash.js: the MPD and its segments through the edge with the cookies. */
async function dashEngine(input: EngineInput): Promise<Engine> {
  const { video, events, grant } = input;
  const dashjs = await import('dashjs');
  const player: MediaPlayerClass = dashjs.MediaPlayer().create();
  let renewing: Promise<void> | undefined;
  // Every request goes to the edge with the cookies; one after a 403 waits for the renewed grant.
  player.addRequestInterceptor(async (request) => {
    if (renewing) await renewing;
    request.credentials = 'include';
    return request;
  });
  player.addResponseInterceptor(async (response) => {
    if (response.status === 403) {
      renewing ??= events.onExpired().finally(() => {
        renewing = undefined;
      });
    }
    return response;
  });
  const E = dashjs.MediaPlayer.events;
  player.on(E.STREAM_INITIALIZED, () => {
    events.onReady();
    events.onTracks();
  });
  for (const name of [E.TRACK_CHANGE_RENDERED, E.TEXT_TRACKS_ADDED]) player.on(name, () => events.onTracks());
  player.on(E.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType === 'video') events.onBitrate(e.newRepresentation?.bandwidth);
  });
  player.on(E.ERROR, (e) => {
    const error = (e as { error?: { code?: number; message?: string } }).error;
    events.onFatal(`dash/${error?.code ?? 'error'}`);
  });
  player.initialize(video, grant.dashManifestUrl as string, true, Math.max(0, input.startAt));
  const tracks = (type: 'audio' | 'text') => {
    try {
      return player.getTracksFor(type);
    } catch {
      return [];
    }
  };
  const toTrack = (t: MediaInfo, i: number): Track => ({
    id: i,
    label: trackLabel(t.labels?.[0]?.text, t.lang ?? undefined, i),
    ...(t.lang ? { lang: t.lang } : {}),
  });
  let caption = -1;
  return {
    kind: 'dash',
    raw: player,
    audioTracks: () => tracks('audio').map(toTrack),
    audioTrack: () => {
      const current = player.getCurrentTrackFor('audio');
      return tracks('audio').findIndex((t) => t.id === current?.id && t.lang === current?.lang);
    },
    setAudioTrack: (id) => {
      const track = tracks('audio')[id];
      if (track) player.setCurrentTrack(track);
    },
    captionTracks: () => tracks('text').map(toTrack),
    captionTrack: () => caption,
    setCaptionTrack: (id) => {
      caption = id;
      player.enableText(id >= 0);
      player.setTextTrack(id);
      events.onTracks();
    },
    destroy: () => player.destroy(),
  };
}

/** The browser's own HLS (no MediaSource): it sends the page's cookies itself. */
function nativeEngine(input: EngineInput): Engine {
  const { video, events } = input;
  const list = <T>(l: { length: number; [i: number]: T } | undefined) =>
    l ? Array.from({ length: l.length }, (_, i) => l[i] as T) : [];
  type AudioTrackLike = { label: string; language: string; enabled: boolean };
  const audio = () =>
    list<AudioTrackLike>((video as unknown as { audioTracks?: ArrayLike<AudioTrackLike> }).audioTracks);
  const texts = () => list<TextTrack>(video.textTracks).filter((t) => t.kind === 'subtitles' || t.kind === 'captions');
  video.addEventListener(
    'loadedmetadata',
    () => {
      if (input.startAt > 0) video.currentTime = input.startAt;
      events.onReady();
      events.onTracks();
    },
    { once: true },
  );
  video.src = input.grant.manifestUrl;
  return {
    kind: 'native',
    raw: video,
    audioTracks: () => audio().map((t, i) => ({ id: i, label: trackLabel(t.label, t.language, i), lang: t.language })),
    audioTrack: () => audio().findIndex((t) => t.enabled),
    setAudioTrack: (id) => {
      for (const [i, t] of audio().entries()) t.enabled = i === id;
    },
    captionTracks: () =>
      texts().map((t, i) => ({ id: i, label: trackLabel(t.label, t.language, i), lang: t.language })),
    captionTrack: () => texts().findIndex((t) => t.mode === 'showing'),
    setCaptionTrack: (id) => {
      for (const [i, t] of texts().entries()) t.mode = i === id ? 'showing' : 'disabled';
      events.onTracks();
    },
    destroy: () => {
      video.removeAttribute('src');
      video.load();
    },
  };
}

/**
 * Starts the engine {@link engineFor} picks on the video.
 *
 * @example
 * ```ts
 * const engine = await createEngine(engineFor(grant, video), { video, grant, client, protection, startAt, events });
 * engine.setCaptionTrack(0);
 * ```
 */
export function createEngine(kind: EngineKind, input: EngineInput): Promise<Engine> {
  if (kind === 'dash') return dashEngine(input);
  if (kind === 'native') return Promise.resolve(nativeEngine(input));
  return Promise.resolve(hlsEngine(input));
}
