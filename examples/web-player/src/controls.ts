/**
 * The player's own controls over the video element: play/pause, ±10 s, mute, a seek bar (a
 * slider for the keyboard and screen readers) with previews from the thumbnail track, the time,
 * an "Audio & subtitles" panel listing the engine's tracks, and full screen. Keyboard: space or
 * k play/pause, ←/→ 10 s back/forward, f full screen, m mute, c captions on/off (and Home/End,
 * PageUp/PageDown on the seek bar).
 */
import type { Engine, Track } from './engine.js';
import { clock } from './format.js';
import { type Tile, tileAt } from './thumbnails.js';

const SKIP_SEC = 10;
/** Controls hide after this long without the pointer moving while playing. */
const IDLE_MS = 3_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface Controls {
  /** A new playback: its engine and its thumbnail tiles (none: no previews). */
  attach(engine: Engine): void;
  /** The seek previews' tiles, once the thumbnail track is read. */
  setTiles(tiles: Tile[]): void;
  /** The engine's tracks changed: redraw the menus. */
  refreshTracks(): void;
  /** Playback ended here: forget the engine. */
  detach(): void;
}

const ICONS = {
  play: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5v14l11-7z"/></svg>',
  pause: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 5h4v14H6zm8 0h4v14h-4z"/></svg>',
  back: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 5V1L7 6l5 5V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z"/><text x="12" y="16" font-size="6.5" text-anchor="middle" fill="currentColor">10</text></svg>',
  forward:
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 5V1l5 5-5 5V7a6 6 0 1 0 6 6h2a8 8 0 1 1-8-8z"/><text x="12" y="16" font-size="6.5" text-anchor="middle" fill="currentColor">10</text></svg>',
  volume:
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 9v6h4l5 5V4L7 9zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z"/></svg>',
  muted:
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 9v6h4l5 5V4L7 9zm13.6 3 2.9-2.9-1.4-1.4-2.9 2.9-2.9-2.9-1.4 1.4 2.9 2.9-2.9 2.9 1.4 1.4 2.9-2.9 2.9 2.9 1.4-1.4z"/></svg>',
  tracks:
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zM4 12h4v2H4zm10 6H4v-2h10zm6 0h-4v-2h4zm0-4H10v-2h10z"/></svg>',
  fullscreen:
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 14H5v5h5v-2H7zm-2-4h2V7h3V5H5zm12 7h-3v2h5v-5h-2zM14 5v2h3v3h2V5z"/></svg>',
};

/**
 * Wires the controls in `#player` to `#video`. Called once; each playback attaches its engine.
 *
 * @example
 * ```ts
 * const controls = mountControls();
 * controls.attach(engine);
 * controls.setTiles(await loadThumbnails(grant.thumbnailTrackUrl));
 * ```
 */
export function mountControls(): Controls {
  const player = $('player');
  const video = $<HTMLVideoElement>('video');
  const playPause = $<HTMLButtonElement>('play-pause');
  const back = $<HTMLButtonElement>('skip-back');
  const forward = $<HTMLButtonElement>('skip-forward');
  const mute = $<HTMLButtonElement>('mute');
  const seek = $('seek');
  const played = $('seek-played');
  const buffered = $('seek-buffered');
  const time = $('time');
  const preview = $('seek-preview');
  const previewTile = $('seek-preview-tile');
  const previewTime = $('seek-preview-time');
  const tracksButton = $<HTMLButtonElement>('tracks-button');
  const tracksPanel = $('tracks-panel');
  const audioList = $('audio-tracks');
  const captionList = $('caption-tracks');
  const fullscreen = $<HTMLButtonElement>('fullscreen');
  let engine: Engine | undefined;
  let tiles: Tile[] = [];
  // The caption track `c` turns back on.
  let lastCaption = 0;

  back.innerHTML = ICONS.back;
  forward.innerHTML = ICONS.forward;
  tracksButton.innerHTML = `${ICONS.tracks}<span>Audio &amp; subtitles</span>`;
  fullscreen.innerHTML = ICONS.fullscreen;

  const duration = () => (Number.isFinite(video.duration) ? video.duration : 0);
  const seekTo = (t: number) => {
    const d = duration();
    if (!d) return;
    video.currentTime = Math.min(Math.max(0, t), Math.max(0, d - 0.1));
    draw();
  };
  const togglePlay = () => {
    if (video.paused || video.ended) void video.play().catch(() => undefined);
    else video.pause();
  };
  const toggleMute = () => {
    video.muted = !video.muted;
  };
  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    else void player.requestFullscreen?.().catch(() => undefined);
  };
  const toggleCaptions = () => {
    if (!engine?.captionTracks().length) return;
    const current = engine.captionTrack();
    if (current >= 0) lastCaption = current;
    engine.setCaptionTrack(current >= 0 ? -1 : lastCaption);
  };

  function draw(): void {
    const d = duration();
    const t = video.currentTime;
    const ratio = d ? t / d : 0;
    played.style.width = `${(ratio * 100).toFixed(3)}%`;
    const end = video.buffered.length ? video.buffered.end(video.buffered.length - 1) : 0;
    buffered.style.width = `${d ? Math.min(100, (end / d) * 100).toFixed(3) : 0}%`;
    time.textContent = `${clock(t)} / ${clock(d)}`;
    seek.setAttribute('aria-valuemax', String(Math.floor(d)));
    seek.setAttribute('aria-valuenow', String(Math.floor(t)));
    seek.setAttribute('aria-valuetext', `${clock(t)} of ${clock(d)}`);
    const paused = video.paused || video.ended;
    playPause.innerHTML = paused ? ICONS.play : ICONS.pause;
    playPause.setAttribute('aria-label', paused ? 'Play' : 'Pause');
    mute.innerHTML = video.muted ? ICONS.muted : ICONS.volume;
    mute.setAttribute('aria-label', video.muted ? 'Unmute' : 'Mute');
    player.classList.toggle('paused', paused);
  }
  for (const name of ['timeupdate', 'durationchange', 'progress', 'play', 'pause', 'ended', 'volumechange', 'seeked']) {
    video.addEventListener(name, draw);
  }

  // The pointer over the seek bar: the time there, and its tile when the grant has a track.
  const timeAt = (clientX: number) => {
    const box = seek.getBoundingClientRect();
    const ratio = box.width ? Math.min(1, Math.max(0, (clientX - box.left) / box.width)) : 0;
    return { t: ratio * duration(), x: ratio * box.width };
  };
  function showPreview(clientX: number): void {
    const d = duration();
    if (!d) return;
    const { t, x } = timeAt(clientX);
    previewTime.textContent = clock(t);
    const tile = tiles.length ? tileAt(tiles, t) : undefined;
    previewTile.hidden = !tile;
    if (tile) {
      const width = tile.w || 160;
      const height = tile.h || 90;
      previewTile.style.width = `${width}px`;
      previewTile.style.height = `${height}px`;
      previewTile.style.backgroundImage = `url("${tile.url.replace(/"/g, '%22')}")`;
      previewTile.style.backgroundPosition = tile.w ? `-${tile.x}px -${tile.y}px` : 'center';
      previewTile.style.backgroundSize = tile.w ? 'auto' : 'cover';
      previewTile.dataset.url = tile.url;
    }
    preview.hidden = false;
    const half = preview.offsetWidth / 2;
    const box = seek.getBoundingClientRect();
    preview.style.left = `${Math.min(Math.max(x, half), box.width - half)}px`;
  }
  let dragging = false;
  seek.addEventListener('pointermove', (e) => {
    showPreview(e.clientX);
    if (dragging) played.style.width = `${((timeAt(e.clientX).t / (duration() || 1)) * 100).toFixed(3)}%`;
  });
  seek.addEventListener('pointerleave', () => {
    if (!dragging) preview.hidden = true;
  });
  seek.addEventListener('pointerdown', (e) => {
    dragging = true;
    seek.setPointerCapture?.(e.pointerId);
    showPreview(e.clientX);
  });
  seek.addEventListener('pointerup', (e) => {
    if (!dragging) return;
    dragging = false;
    seekTo(timeAt(e.clientX).t);
    preview.hidden = true;
  });
  seek.addEventListener('pointercancel', () => {
    dragging = false;
    preview.hidden = true;
  });
  seek.addEventListener('keydown', (e) => {
    const d = duration();
    const step = { Home: -Infinity, End: Infinity, PageDown: -60, PageUp: 60 }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    seekTo(step === Infinity ? d : step === -Infinity ? 0 : video.currentTime + step);
  });
  // Clicking the picture plays or pauses, as on every streaming site.
  video.addEventListener('click', togglePlay);
  playPause.addEventListener('click', togglePlay);
  back.addEventListener('click', () => seekTo(video.currentTime - SKIP_SEC));
  forward.addEventListener('click', () => seekTo(video.currentTime + SKIP_SEC));
  mute.addEventListener('click', toggleMute);
  fullscreen.addEventListener('click', toggleFullscreen);
  document.addEventListener('fullscreenchange', () => {
    const on = document.fullscreenElement === player;
    fullscreen.setAttribute('aria-label', on ? 'Exit full screen' : 'Full screen');
  });
  const openTracks = (open: boolean) => {
    tracksPanel.hidden = !open;
    tracksButton.setAttribute('aria-expanded', String(open));
  };
  tracksButton.addEventListener('click', () => openTracks(tracksPanel.hidden));
  // Escape closes the panel, wherever focus is (a redraw may have taken it out of the panel).
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || tracksPanel.hidden) return;
    const inside = tracksPanel.contains(document.activeElement) || document.activeElement === document.body;
    openTracks(false);
    if (inside) tracksButton.focus();
  });

  // The controls fade while playing and the pointer rests; any movement or focus brings them back.
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const wake = () => {
    player.classList.remove('idle');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (!video.paused && tracksPanel.hidden) player.classList.add('idle');
    }, IDLE_MS);
  };
  player.addEventListener('pointermove', wake);
  player.addEventListener('focusin', wake);

  // The keyboard, wherever focus is on the page while the player shows, except where keys type or choose.
  document.addEventListener('keydown', (e) => {
    if (player.hidden || player.closest('[hidden]') || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement;
    const typing = target.closest('input, select, textarea, [contenteditable="true"]');
    const onControl = target.closest('button, a, summary');
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (typing && key !== 'Escape') return;
    const actions: Record<string, () => void> = {
      k: togglePlay,
      ArrowLeft: () => seekTo(video.currentTime - SKIP_SEC),
      ArrowRight: () => seekTo(video.currentTime + SKIP_SEC),
      f: toggleFullscreen,
      m: toggleMute,
      c: toggleCaptions,
    };
    // Space on a button presses that button; elsewhere it plays and pauses.
    if (key === ' ' && !onControl) actions[' '] = togglePlay;
    const action = actions[key];
    if (!action) return;
    e.preventDefault();
    wake();
    action();
  });

  function radios(list: HTMLElement, name: string, tracks: Track[], current: number, pick: (id: number) => void) {
    const legend = list.querySelector('legend');
    const options = tracks.map((t) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = name;
      input.value = String(t.id);
      input.checked = t.id === current;
      input.addEventListener('change', () => pick(t.id));
      label.append(input, ` ${t.label}`);
      return label;
    });
    // Redrawn while the viewer is in the list (a switch reports back): focus stays on their choice.
    const focused = list.contains(document.activeElement)
      ? (document.activeElement as HTMLInputElement).value
      : undefined;
    list.replaceChildren(...(legend ? [legend] : []), ...options);
    if (focused !== undefined)
      options
        .find((o) => o.querySelector('input')?.value === focused)
        ?.querySelector('input')
        ?.focus();
  }

  function refreshTracks(): void {
    if (!engine) return;
    const e = engine;
    const audio = e.audioTracks();
    const captions = e.captionTracks();
    audioList.hidden = audio.length < 2;
    radios(audioList, 'audio-track', audio, e.audioTrack(), (id) => e.setAudioTrack(id));
    radios(captionList, 'caption-track', [{ id: -1, label: 'Off' }, ...captions], e.captionTrack(), (id) => {
      if (id >= 0) lastCaption = id;
      e.setCaptionTrack(id);
    });
    captionList.hidden = !captions.length;
    tracksButton.hidden = audio.length < 2 && !captions.length;
  }

  return {
    attach(next) {
      engine = next;
      tiles = [];
      lastCaption = 0;
      openTracks(false);
      preview.hidden = true;
      refreshTracks();
      draw();
      wake();
    },
    setTiles(next) {
      tiles = next;
      player.dataset.previews = String(next.length);
    },
    refreshTracks,
    detach() {
      engine = undefined;
      tiles = [];
      openTracks(false);
      preview.hidden = true;
    },
  };
}
