/**
 * The player app: sign in, the personalized home page, search, a title page
 * with My List and Like, and playback with resume and engagement events.
 */
import type { Home, Title } from '@streamctl/client';
import { type Session, signIn } from './api.js';
import { createEventSender, type EventSender } from './events.js';
import { type Playback, play } from './player.js';
import { mountSearch } from './search.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let session: Session | undefined;
let events: EventSender | undefined;
let playback: Playback | undefined;
let onList = new Set<string>();

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
  if (view !== 'title') {
    playback?.stop();
    playback = undefined;
  }
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

async function openTitle(titleId: string): Promise<void> {
  if (!session) return;
  const title: Title = await session.client.title(titleId);
  show('title');
  $('back').textContent = search.query ? '← Results' : '← Home';
  $('title').dataset.titleId = titleId;
  $('title-name').textContent = title.name;
  $('title-meta').textContent = [title.genres.join(', '), title.durationSec ? `${title.durationSec} s` : '']
    .filter(Boolean)
    .join(' · ');
  $('my-list').textContent = onList.has(titleId) ? 'Remove from My List' : 'Add to My List';
  $('status').textContent = '';
}

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = ($('user') as HTMLInputElement).value.trim();
  const country = ($('country') as HTMLInputElement).value.trim().toUpperCase();
  signIn(user, country)
    .then(async (s) => {
      session = s;
      events = createEventSender(s.client, { sessionId: crypto.randomUUID(), country: s.country });
      $('who').textContent = `${s.userId} (${s.country})`;
      $('who').hidden = false;
      sessionStorage.setItem('streamctl-user', JSON.stringify({ user, country }));
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
$('play').addEventListener('click', () => {
  const titleId = $('title').dataset.titleId;
  if (!session || !events || !titleId) return;
  playback?.stop();
  play($('video') as HTMLVideoElement, session.client, events, titleId, (text) => {
    $('status').textContent = text;
  })
    .then((p) => {
      playback = p;
    })
    .catch((err: Error) => {
      $('status').textContent = err.message;
    });
});
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
addEventListener('pagehide', () => {
  playback?.stop();
});

// A reload keeps the viewer signed in for the tab.
const saved = sessionStorage.getItem('streamctl-user');
if (saved) {
  const { user, country } = JSON.parse(saved) as { user: string; country: string };
  ($('user') as HTMLInputElement).value = user;
  ($('country') as HTMLInputElement).value = country;
  $('sign-in').dispatchEvent(new Event('submit', { cancelable: true }));
}
