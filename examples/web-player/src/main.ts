/**
 * The player app: sign in (on a plan), the personalized home page, search, a
 * title page with My List and Like, and playback with resume, engagement
 * events and a playback session: over the plan's streams it lists the
 * devices playing and offers to stop one; a session stopped from elsewhere
 * stops here and says so.
 */
import { ApiError, type Home, type Title } from '@streamctl/client';
import { ErrorCode } from '@streamctl/client/errors';
import { PLANS, type PlanName, type Session, signIn } from './api.js';
import { thisDevice } from './device.js';
import { createEventSender, type EventSender, type SenderStats } from './events.js';
import { type Playback, play } from './player.js';
import { mountSearch } from './search.js';

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

/** A title as a button, the same on a rail and in search results: it opens the title page. */
function titleButton(item: { titleId: string; name: string }, detail: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.className = 'item';
  button.dataset.titleId = item.titleId;
  button.textContent = item.name;
  const small = document.createElement('small');
  small.textContent = detail;
  button.append(small);
  button.addEventListener('click', () => void openTitle(item.titleId));
  return button;
}

/** One of the page's views at a time; leaving the title page stops its playback. */
function show(view: 'home' | 'results' | 'title'): void {
  if (view !== 'title') stopPlayback();
  for (const id of ['home', 'results', 'title']) $(id).hidden = id !== view;
}

const search = mountSearch({
  client: () => session?.client,
  titleButton: (item) => titleButton(item, [item.genres.join(', '), item.year].filter(Boolean).join(' · ')),
  showResults: () => show('results'),
  showHome: () => void showHome(),
});

function renderHome(home: Home): void {
  const root = $('home');
  root.replaceChildren();
  if (home.degraded) {
    const note = document.createElement('p');
    note.className = 'degraded';
    note.textContent = 'Some recommendations are unavailable right now; popular titles stand in.';
    root.append(note);
  }
  for (const rail of home.rails) {
    const section = document.createElement('div');
    section.className = 'rail';
    section.dataset.rail = rail.id;
    const heading = document.createElement('h3');
    heading.textContent = rail.title;
    const items = document.createElement('div');
    items.className = 'items';
    for (const item of rail.items) items.append(titleButton(item, item.reason ?? item.genres.join(', ')));
    section.append(heading, items);
    root.append(section);
  }
  if (!home.rails.length) root.textContent = 'Nothing published in your country yet.';
}

async function showHome(): Promise<void> {
  show('home');
  if (!session) return;
  const [home, list] = await Promise.all([session.client.home(), session.client.watchlist({ limit: 100 })]);
  onList = new Set(list.items.map((i) => i.titleId));
  renderHome(home);
}

/** Stops this page's playback, ending its session, and drops any start still waiting for its grant. */
function stopPlayback(): void {
  playAttempt++;
  playback?.stop();
  playback = undefined;
}

/** The API's message as a sentence of ours. */
const sentence = (message: string) => (/[.!?]$/.test(message) ? message : `${message}.`);

/** The limit and stopped panels hide the video; a playback start shows it again. */
function showNotice(id: 'limit' | 'ended' | undefined): void {
  for (const notice of ['limit', 'ended'] as const) $(notice).hidden = notice !== id;
  $('video').hidden = id !== undefined;
  if (id) $(id).focus();
}

async function openTitle(titleId: string): Promise<void> {
  if (!session) return;
  const title: Title = await session.client.title(titleId);
  titleNames.set(titleId, title.name);
  show('title');
  showNotice(undefined);
  $('back').textContent = search.query ? '← Results' : '← Home';
  $('title').dataset.titleId = titleId;
  $('title-name').textContent = title.name;
  $('title-meta').textContent = [title.genres.join(', '), title.durationSec ? `${title.durationSec} s` : '']
    .filter(Boolean)
    .join(' · ');
  $('my-list').textContent = onList.has(titleId) ? 'Remove from My List' : 'Add to My List';
  $('status').textContent = '';
}

/** Starts playing the open title on this device; over the plan's streams, shows who plays instead. */
async function startPlayback(): Promise<void> {
  const titleId = $('title').dataset.titleId;
  if (!session || !events || !titleId) return;
  stopPlayback();
  const attempt = playAttempt;
  const current = () => attempt === playAttempt;
  showNotice(undefined);
  $('status').textContent = 'starting';
  try {
    const started = await play($('video') as HTMLVideoElement, session.client, events, titleId, thisDevice(), {
      onStatus: (text) => {
        if (current()) $('status').textContent = text;
      },
      onSessionEnded: (reason) => {
        if (!current()) return;
        playback = undefined;
        showEnded(reason);
      },
    });
    if (current()) playback = started;
    else started.stop();
  } catch (err) {
    if (!current()) return;
    if (err instanceof ApiError && err.code === ErrorCode.StreamLimit) await showLimit(err, current);
    else $('status').textContent = (err as Error).message;
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

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = ($('user') as HTMLInputElement).value.trim();
  const country = ($('country') as HTMLInputElement).value.trim().toUpperCase();
  const picked = ($('plan') as HTMLSelectElement).value;
  const plan: PlanName = PLANS.find((p) => p === picked) ?? 'standard';
  signIn(user, country, plan)
    .then(async (s) => {
      session = s;
      // Events a previous page of this user left unsent are restored and sent now.
      events = createEventSender(s.client, { userId: s.userId, sessionId: crypto.randomUUID(), country: s.country });
      $('who').textContent = `${s.userId} (${s.country}, ${s.plan})`;
      $('who').hidden = false;
      sessionStorage.setItem('streamctl-user', JSON.stringify({ user, country, plan }));
      search.reset();
      $('search').hidden = false;
      await showHome();
    })
    .catch((err: Error) => {
      $('who').textContent = err.message;
      $('who').hidden = false;
    });
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
  $('status').textContent = 'liked';
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
    /** What tests look at: the event sender's counters (none before sign-in). */
    __streamctl: { readonly events: SenderStats | undefined };
  }
}
window.__streamctl = {
  get events() {
    return events ? { ...events.stats } : undefined;
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
