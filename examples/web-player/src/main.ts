/**
 * The player app: sign in (on a plan), the personalized home page (a hero and rails of artwork
 * cards, Continue Watching with progress), search, a title page (synopsis, genres, length,
 * availability, My List, Like, Play or Resume) and playback with our own controls (seek previews,
 * audio and caption tracks, the keyboard), resume, engagement events and a playback session: over
 * the plan's streams it lists the devices playing and offers to stop one; a session stopped from
 * elsewhere stops here and says so. Every error the API gives has a screen of its own with the way
 * on (see problems.ts).
 */
import { ApiError, type ContinueWatchingItem, type Home, type RailItem, type Title } from '@streamctl/client';
import { ErrorCode } from '@streamctl/client/errors';
import { PLANS, type PlanName, type Session, signIn } from './api.js';
import { fillArtwork, hero, titleCard } from './cards.js';
import { mountControls } from './controls.js';
import { thisDevice } from './device.js';
import { createEventSender, type EventSender, type SenderStats } from './events.js';
import { availableUntil, clock, progress, runtime } from './format.js';
import { type Playback, play } from './player.js';
import { type Problem, problemFor } from './problems.js';
import { mountSearch } from './search.js';
import { loadThumbnails } from './thumbnails.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let session: Session | undefined;
let events: EventSender | undefined;
let playback: Playback | undefined;
// Every playback start takes a number; a grant that arrives for an older one (the viewer left or
// pressed Play again meanwhile) is stopped at once, so no session is left open behind the page.
let playAttempt = 0;
let onList = new Set<string>();
// Names of titles seen, for the devices list of the stream limit.
const titleNames = new Map<string, string>();
// What the rails said of each title (artwork, length), for the title page while it loads.
const railItems = new Map<string, RailItem>();
const controls = mountControls();

/** A title as a card, the same on a rail and in search results: it opens the title page. */
function titleButton(item: RailItem, detail: string): HTMLButtonElement {
  return titleCard(item, detail, () => void openTitle(item.titleId));
}

type View = 'welcome' | 'home' | 'results' | 'title';
/** One of the page's views at a time; leaving the title page stops its playback. */
function show(view: View): void {
  if (view !== 'title') stopPlayback();
  for (const id of ['welcome', 'home', 'results', 'title']) $(id).hidden = id !== view;
  if (view !== 'title') $('player').hidden = true;
}

const search = mountSearch({
  client: () => session?.client,
  titleButton: (item) => titleButton(item, [item.genres.join(', '), item.year].filter(Boolean).join(' · ')),
  showResults: () => {
    hideProblem();
    show('results');
  },
  showHome: () => void showHome(),
});

// ---- Problems: one panel, a heading, the API's words where they help, and the way on.

let problemRetry: (() => void) | undefined;
function hideProblem(): void {
  $('problem').hidden = true;
  problemRetry = undefined;
}

/** Shows a problem with its actions; focus moves to it, so a screen reader reads it at once. */
function showProblem(problem: Problem, retry?: () => void): void {
  $('problem').dataset.kind = problem.kind;
  $('problem-heading').textContent = problem.heading;
  $('problem-message').textContent = problem.message;
  problemRetry = retry;
  const buttons: HTMLButtonElement[] = [];
  const button = (label: string, onClick: () => void, primary = false) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = primary ? 'primary' : 'secondary';
    b.addEventListener('click', onClick);
    buttons.push(b);
  };
  if (problem.action === 'retry' && retry) {
    button(
      'Try again',
      () => {
        hideProblem();
        retry();
      },
      true,
    );
  }
  if (problem.action === 'sign-in') button('Sign in again', () => $('user').focus(), true);
  if (problem.action === 'play-again' && retry) {
    button(
      'Play again',
      () => {
        hideProblem();
        retry();
      },
      true,
    );
  }
  if (session) {
    button('Back to Home', () => {
      hideProblem();
      void showHome();
    });
  }
  $('problem-actions').replaceChildren(...buttons);
  $('problem').hidden = false;
  $('problem').focus();
}

/** Runs an API action of the page; a failure becomes its problem screen, with a retry that runs it again. */
async function guarded(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    showProblem(problemFor(err), () => void guarded(action));
  }
}

// ---- Home

function renderHome(home: Home): void {
  const root = $('home');
  root.replaceChildren();
  if (home.degraded) {
    const note = document.createElement('p');
    note.className = 'degraded';
    note.textContent = 'Some recommendations are unavailable right now; popular titles stand in.';
    root.append(note);
  }
  for (const rail of home.rails) for (const item of rail.items) railItems.set(item.titleId, item);
  // The hero: the first title not already on Continue Watching, preferring one with artwork.
  const candidates = home.rails.filter((r) => r.id !== 'continue-watching').flatMap((r) => r.items);
  const featured = candidates.find((i) => i.artwork?.poster) ?? candidates[0];
  if (featured) {
    root.append(hero(featured, featured.reason ?? featured.genres.join(' · '), () => void openTitle(featured.titleId)));
  }
  for (const rail of home.rails) {
    const section = document.createElement('section');
    section.className = 'rail';
    section.dataset.rail = rail.id;
    const headingId = `rail-${rail.id}`;
    section.setAttribute('aria-labelledby', headingId);
    const heading = document.createElement('h3');
    heading.id = headingId;
    heading.textContent = rail.title;
    const items = document.createElement('div');
    items.className = 'items';
    for (const item of rail.items) items.append(titleButton(item, item.reason ?? item.genres.join(', ')));
    section.append(heading, items);
    root.append(section);
  }
  if (!home.rails.length) {
    const empty = document.createElement('p');
    empty.className = 'empty';
    empty.textContent = 'Nothing published in your country yet.';
    root.append(empty);
  }
}

async function showHome(): Promise<void> {
  show('home');
  if (!session) return;
  const client = session.client;
  await guarded(async () => {
    const [home, list] = await Promise.all([client.home(), client.watchlist({ limit: 100 })]);
    onList = new Set(list.items.map((i) => i.titleId));
    hideProblem();
    renderHome(home);
  });
}

/** Stops this page's playback, ending its session, and drops any start still waiting for its grant. */
function stopPlayback(): void {
  playAttempt++;
  playback?.stop();
  playback = undefined;
  controls.detach();
}

/** The API's message as a sentence of ours. */
const sentence = (message: string) => (/[.!?]$/.test(message) ? message : `${message}.`);

/** The limit and stopped panels hide the player; a playback start shows it again. */
function showNotice(id: 'limit' | 'ended' | undefined): void {
  for (const notice of ['limit', 'ended'] as const) $(notice).hidden = notice !== id;
  if (id) {
    $('player').hidden = true;
    $(id).focus();
  }
}

// ---- Title page

/** Where the viewer left the title, from Continue Watching (none when finished or never started). */
async function resumePoint(titleId: string): Promise<ContinueWatchingItem | undefined> {
  const cw = await session?.client.continueWatching().catch(() => undefined);
  return cw?.items.find((i) => i.titleId === titleId && !i.completed && i.positionSec > 0);
}

function renderResume(item: ContinueWatchingItem | undefined): void {
  const done = item ? progress(item) : undefined;
  $('title-progress').hidden = done === undefined;
  $('play').textContent = done === undefined ? 'Play' : 'Resume';
  if (!item || done === undefined) return;
  $('title-progress-bar').style.width = `${(done * 100).toFixed(2)}%`;
  $('title-progress-text').textContent = `Resume at ${clock(item.positionSec)} of ${clock(item.durationSec)}`;
}

function renderTitle(title: Title): void {
  const known = railItems.get(title.titleId);
  $('title').dataset.titleId = title.titleId;
  $('title-name').textContent = title.name;
  const year = title.releaseDate?.slice(0, 4);
  const length = runtime(title.durationSec ?? known?.durationSec);
  $('title-meta').textContent = [year, length, title.kind === 'series' ? 'Series' : ''].filter(Boolean).join(' · ');
  $('title-synopsis').textContent = title.synopsis ?? '';
  $('title-genres').textContent = title.genres.length ? `Genres: ${title.genres.join(', ')}` : '';
  $('title-availability').textContent = availableUntil(title.availability?.until);
  fillArtwork(
    $('title-art'),
    { ...title, artwork: title.artwork ?? known?.artwork, durationSec: title.durationSec ?? known?.durationSec },
    'poster',
  );
  $('my-list').textContent = onList.has(title.titleId) ? 'Remove from My List' : 'Add to My List';
  $('like').setAttribute('aria-pressed', 'false');
  $('status').textContent = '';
}

async function openTitle(titleId: string): Promise<void> {
  const client = session?.client;
  if (!client) return;
  await guarded(async () => {
    const [title, resume] = await Promise.all([client.title(titleId), resumePoint(titleId)]);
    titleNames.set(titleId, title.name);
    hideProblem();
    show('title');
    showNotice(undefined);
    $('player').hidden = true;
    $('back').textContent = search.query ? '← Results' : '← Home';
    renderTitle(title);
    renderResume(resume);
    window.scrollTo({ top: 0 });
  });
}

/** Starts playing the open title on this device; over the plan's streams, shows who plays instead. */
async function startPlayback(): Promise<void> {
  const titleId = $('title').dataset.titleId;
  if (!session || !events || !titleId) return;
  stopPlayback();
  const attempt = playAttempt;
  const current = () => attempt === playAttempt;
  showNotice(undefined);
  hideProblem();
  $('player').hidden = false;
  $('status').textContent = 'starting';
  try {
    const started = await play($('video') as HTMLVideoElement, session.client, events, titleId, thisDevice(), {
      onStatus: (text) => {
        if (current()) $('status').textContent = text;
      },
      onSessionEnded: (reason) => {
        if (!current()) return;
        playback = undefined;
        controls.detach();
        showEnded(reason);
      },
      onEngine: (engine) => {
        if (current()) controls.attach(engine);
      },
      onTracks: () => {
        if (current()) controls.refreshTracks();
      },
      onThumbnailTrack: (url) => {
        void loadThumbnails(url).then((tiles) => {
          if (current()) controls.setTiles(tiles);
        });
      },
      onFailure: (failure) => {
        if (!current()) return;
        stopPlayback();
        $('player').hidden = true;
        showProblem(problemFor(failure), () => void startPlayback());
      },
    });
    if (current()) playback = started;
    else started.stop();
  } catch (err) {
    if (!current()) return;
    $('player').hidden = true;
    if (err instanceof ApiError && err.code === ErrorCode.StreamLimit) await showLimit(err, current);
    else {
      $('status').textContent = (err as Error).message;
      showProblem(problemFor(err), () => void startPlayback());
    }
  }
}

/** The stream limit: the sessions playing, each with a button that ends it and starts playing here. */
async function showLimit(err: ApiError, current: () => boolean): Promise<void> {
  const client = session?.client;
  if (!client) return;
  const sessions = err.sessions ?? [];
  const names = await Promise.all(
    sessions.map(
      async (s) =>
        titleNames.get(s.titleId) ??
        (await client.title(s.titleId).then(
          (t) => t.name,
          // A title this viewer may not see here (another country's): its id still says which.
          () => s.titleId,
        )),
    ),
  );
  if (!current()) return;
  $('limit-message').textContent = `${sentence(err.message)} Stop playing on one of these devices to watch here.`;
  const items = sessions.map((s, i) => {
    const device = s.deviceName ?? 'Unnamed device';
    const since = new Date(s.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const item = document.createElement('li');
    item.dataset.sessionId = s.sessionId;
    const name = document.createElement('strong');
    name.textContent = device;
    const what = document.createElement('span');
    what.textContent = `watching ${names[i]} since ${since}`;
    const stop = document.createElement('button');
    stop.type = 'button';
    stop.textContent = 'Stop playing there';
    // The visible words first, then which device: a voice user says what they see, a screen reader hears which.
    stop.setAttribute('aria-label', `Stop playing there: ${device}, ${names[i]}`);
    stop.addEventListener('click', () => {
      for (const b of $('limit').querySelectorAll('button')) b.disabled = true;
      $('status').textContent = `stopping on ${device}`;
      client
        .endSession(s.sessionId)
        // Still on this panel (the viewer did not leave meanwhile): play here now.
        .then(() => (current() ? startPlayback() : undefined))
        .catch((e: Error) => {
          for (const b of $('limit').querySelectorAll('button')) b.disabled = false;
          $('status').textContent = `could not stop playing on ${device}: ${e.message}`;
        });
    });
    item.append(name, ' ', what, ' ', stop);
    return item;
  });
  $('limit-sessions').replaceChildren(...items);
  $('status').textContent = '';
  showNotice('limit');
}

/** The session ended while playing here (stopped from another device, or revoked). */
function showEnded(reason: ApiError): void {
  $('ended-message').textContent =
    reason.code === ErrorCode.NotFound
      ? 'It was stopped from another device, or its session ended. Play again to watch here.'
      : sentence(reason.message);
  $('status').textContent = 'stopped';
  showNotice('ended');
}

function startSession(user: string, country: string, plan: PlanName): Promise<void> {
  return signIn(user, country, plan).then(async (s) => {
    session = s;
    // Events a previous page of this user left unsent are restored and sent now.
    events = createEventSender(s.client, { userId: s.userId, sessionId: crypto.randomUUID(), country: s.country });
    // Signed in: the form gives way to who is watching (and a way to switch).
    $('who-name').textContent = `${s.userId} · ${s.country} · ${s.plan}`;
    $('who').hidden = false;
    $('sign-in').hidden = true;
    sessionStorage.setItem('streamctl-user', JSON.stringify({ user, country, plan }));
    search.reset();
    $('search').hidden = false;
    hideProblem();
    await showHome();
  });
}

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = ($('user') as HTMLInputElement).value.trim();
  const country = ($('country') as HTMLInputElement).value.trim().toUpperCase();
  const picked = ($('plan') as HTMLSelectElement).value;
  const plan: PlanName = PLANS.find((p) => p === picked) ?? 'standard';
  void guarded(() => startSession(user, country, plan));
});

$('switch-user').addEventListener('click', () => {
  $('sign-in').hidden = false;
  $('who').hidden = true;
  $('user').focus();
});
$('back').addEventListener('click', () => (search.query ? show('results') : void showHome()));
$('play').addEventListener('click', () => void startPlayback());
$('play-again').addEventListener('click', () => void startPlayback());
$('my-list').addEventListener('click', () => {
  const titleId = $('title').dataset.titleId;
  if (!session || !titleId) return;
  const adding = !onList.has(titleId);
  (adding ? session.client.addToWatchlist(titleId) : session.client.removeFromWatchlist(titleId))
    .then(() => {
      if (adding) onList.add(titleId);
      else onList.delete(titleId);
      events?.send(adding ? 'watchlist_add' : 'watchlist_remove', titleId);
      $('my-list').textContent = adding ? 'Remove from My List' : 'Add to My List';
    })
    .catch((err: Error) => {
      $('status').textContent = err.message;
    });
});
$('like').addEventListener('click', () => {
  const titleId = $('title').dataset.titleId;
  if (titleId) events?.send('like', titleId);
  $('like').setAttribute('aria-pressed', 'true');
  $('status').textContent = 'liked';
});
// Back online: a problem waiting for the network tries again by itself.
addEventListener('online', () => {
  if (!$('problem').hidden && $('problem').dataset.kind === 'offline') {
    const retry = problemRetry;
    hideProblem();
    retry?.();
  }
});
// Closing, reloading or leaving the page ends the session (keepalive carries the request out) and
// sends the last events (the session's final pause with its watch time); what does not make it out
// stays in localStorage for the next load.
addEventListener('pagehide', () => {
  stopPlayback();
  void events?.flush({ leaving: true });
});
// A hidden page may never come back (a phone discards it): send what is queued.
addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') void events?.flush({ leaving: true });
});
// Back from the browser's cache, the page's player is gone: say how to go on.
addEventListener('pageshow', (e) => {
  if (e.persisted && !$('title').hidden) $('status').textContent = 'press Play to watch';
});

declare global {
  interface Window {
    /** What tests look at: the event sender's counters (none before sign-in), and the engine playing. */
    __streamctl: {
      readonly events: SenderStats | undefined;
      /** `hls`, `dash` or `native` while playing. */
      readonly engine: string | undefined;
      /** The engine's own object (hls.js's `Hls`, dash.js's `MediaPlayer`) while playing. */
      readonly player: unknown;
    };
  }
}
window.__streamctl = {
  get events() {
    return events ? { ...events.stats } : undefined;
  },
  get engine() {
    return playback?.engine?.kind;
  },
  get player() {
    return playback?.engine?.raw;
  },
};

// A reload keeps the viewer signed in for the tab.
const saved = sessionStorage.getItem('streamctl-user');
if (saved) {
  const { user, country, plan } = JSON.parse(saved) as { user: string; country: string; plan?: string };
  ($('user') as HTMLInputElement).value = user;
  ($('country') as HTMLInputElement).value = country;
  if (plan) ($('plan') as HTMLSelectElement).value = plan;
  $('sign-in').dispatchEvent(new Event('submit', { cancelable: true }));
}
