/**
 * Titles as people see them on a streaming service: 16:9 cards with artwork (the signed image the
 * API gives, through the edge, no cookie needed) or, without it, the title's name on a gradient of
 * its own; Continue Watching cards with a progress bar and "Resume at mm:ss"; and the home page's
 * hero.
 */
import type { RailItem } from '@streamctl/client';
import { clock, progress } from './format.js';

/** What a card shows of a title (a rail item or a search result). */
export interface CardItem {
  titleId: string;
  name: string;
  genres?: string[];
  positionSec?: number;
  durationSec?: number;
  ratio?: number;
  artwork?: RailItem['artwork'];
}

/**
 * A hue of the title's own (from its id), so fallbacks differ from card to card but never change.
 *
 * @example
 * ```ts
 * hueOf('t1'); // the same number every time, 0–359
 * ```
 */
export function hueOf(titleId: string): number {
  let h = 0;
  for (const c of titleId) h = (h * 31 + (c.codePointAt(0) ?? 0)) % 360;
  return h;
}

/**
 * The artwork of a title into `box`: the image when the API gave one and it loads, else the name
 * on the title's gradient (which also shows while the image loads, and stays if it fails).
 * `prefer` says which image suits the place (cards: the thumbnail; the hero: the poster).
 */
export function fillArtwork(box: HTMLElement, item: CardItem, prefer: 'thumbnail' | 'poster'): void {
  const hue = hueOf(item.titleId);
  box.style.setProperty('--hue', String(hue));
  box.classList.add('art');
  const fallback = document.createElement('span');
  fallback.className = 'art-fallback';
  fallback.setAttribute('aria-hidden', 'true');
  fallback.textContent = item.name;
  box.replaceChildren(fallback);
  const art = item.artwork;
  const src = prefer === 'poster' ? (art?.poster ?? art?.thumbnail) : (art?.thumbnail ?? art?.poster);
  if (!src) return;
  const img = document.createElement('img');
  // The card's text names the title: the picture adds nothing for a screen reader.
  img.alt = '';
  img.decoding = 'async';
  img.loading = prefer === 'poster' ? 'eager' : 'lazy';
  img.addEventListener('load', () => box.classList.add('loaded'));
  img.addEventListener('error', () => img.remove());
  img.src = src;
  box.append(img);
}

/**
 * A title card (a button that opens the title page), the same on a rail and in search results.
 *
 * @example
 * ```ts
 * rail.append(titleCard(item, item.reason ?? '', () => openTitle(item.titleId)));
 * ```
 */
export function titleCard(item: CardItem, detail: string, open: () => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'item';
  button.dataset.titleId = item.titleId;
  const art = document.createElement('span');
  fillArtwork(art, item, 'thumbnail');
  const text = document.createElement('span');
  text.className = 'item-text';
  const name = document.createElement('span');
  name.className = 'item-name';
  name.textContent = item.name;
  text.append(name);
  const done = progress(item);
  if (done !== undefined && item.positionSec !== undefined) {
    const bar = document.createElement('span');
    bar.className = 'progress';
    const fill = document.createElement('span');
    fill.className = 'progress-bar';
    fill.style.width = `${(done * 100).toFixed(2)}%`;
    bar.append(fill);
    art.append(bar);
    const resume = document.createElement('small');
    resume.className = 'resume-at';
    resume.textContent = `Resume at ${clock(item.positionSec)}`;
    text.append(resume);
    button.dataset.positionSec = String(item.positionSec);
  } else if (detail) {
    const small = document.createElement('small');
    small.textContent = detail;
    text.append(small);
  }
  button.append(art, text);
  button.addEventListener('click', open);
  return button;
}

/** The home page's hero: the first title of the first rail, large, with Play and More info. */
export function hero(item: CardItem, detail: string, open: () => void): HTMLElement {
  const section = document.createElement('section');
  section.className = 'hero';
  section.setAttribute('aria-labelledby', 'hero-name');
  section.dataset.titleId = item.titleId;
  const art = document.createElement('div');
  fillArtwork(art, item, 'poster');
  const text = document.createElement('div');
  text.className = 'hero-text';
  const name = document.createElement('h2');
  name.id = 'hero-name';
  name.textContent = item.name;
  const about = document.createElement('p');
  about.textContent = detail;
  const more = document.createElement('button');
  more.type = 'button';
  more.className = 'primary';
  more.textContent = 'More info';
  more.setAttribute('aria-label', `More info: ${item.name}`);
  more.addEventListener('click', open);
  text.append(name, about, more);
  section.append(art, text);
  return section;
}
