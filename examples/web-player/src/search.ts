/**
 * The search box: searches as the viewer types (debounced, the latest answer
 * wins), Enter at once; results as title buttons, genre facet chips that
 * filter, "More results" by cursor, and one-line messages for no match and
 * for errors.
 */
import { ApiError, type Client, type SearchItem, type SearchResult } from '@streamctl/client';

/** What the search box needs from the app around it. */
export interface SearchOptions {
  /** The signed-in viewer's client; searches wait for one. */
  client(): Client | undefined;
  /** A title button like a rail's, which opens the title page. */
  titleButton(item: SearchItem): HTMLButtonElement;
  /** Results arrived: show them instead of the home rails or a title page. */
  showResults(): void;
  /** The box was cleared: back to the home rails. */
  showHome(): void;
}

export interface Search {
  /** The query in the box, trimmed ('' when there is none). */
  readonly query: string;
  /** Empties the box and drops any answer still on its way (a new sign-in). */
  reset(): void;
}

/** Long enough to skip the keystrokes of a word being typed, short enough to feel live. */
const DEBOUNCE_MS = 200;
const PAGE_SIZE = 20;

const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** One line for a failed search: the API's own words for a bad query, a wait for a rate limit. */
export function searchErrorMessage(err: unknown): string {
  if (err instanceof ApiError && err.status === 400) return err.message;
  if (err instanceof ApiError && err.status === 429) return 'Too many searches, wait a moment.';
  return 'Search is unavailable right now. Try again shortly.';
}

/**
 * Wires the search form (`#search-form`, `#search-input`) to the results section (`#results`).
 *
 * @example
 * ```ts
 * const search = mountSearch({ client: () => session?.client, titleButton, showResults, showHome });
 * ```
 */
export function mountSearch(options: SearchOptions): Search {
  const input = el<HTMLInputElement>('search-input');
  const status = el('results-status');
  const items = el('results-items');
  const facets = el('results-facets');
  const more = el<HTMLButtonElement>('more-results');
  let genre: string | undefined;
  // The query the shown results answer: "More results" pages through it, whatever is being typed.
  let shown = '';
  let nextCursor: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Every request takes a number; an answer that is not the latest request's is stale and dropped.
  let latest = 0;

  const query = () => input.value.trim();

  function run(q = query(), cursor?: string): void {
    if (!cursor) clearTimeout(timer);
    const client = options.client();
    if (!client || !q) return;
    const ticket = ++latest;
    more.disabled = true;
    client
      .search({ q, limit: PAGE_SIZE, ...(genre ? { genre } : {}), ...(cursor ? { cursor } : {}) })
      .then((result) => {
        if (ticket === latest) render(q, result, Boolean(cursor));
      })
      .catch((err: unknown) => {
        if (ticket === latest) fail(q, searchErrorMessage(err), Boolean(cursor));
      })
      .finally(() => {
        if (ticket === latest) more.disabled = false;
      });
  }

  function render(q: string, result: SearchResult, append: boolean): void {
    shown = q;
    el('results-heading').textContent = `Results for "${q}"`;
    status.classList.remove('error');
    const where = genre ? ` in ${genre}` : '';
    status.textContent = result.total
      ? `${result.total} ${result.total === 1 ? 'match' : 'matches'}${where}`
      : `No titles match "${q}"${where}.`;
    if (!append) items.replaceChildren();
    items.append(...result.items.map((item) => options.titleButton(item)));
    renderFacets(result.facets.genres);
    nextCursor = result.nextCursor;
    more.hidden = !nextCursor;
    options.showResults();
  }

  function renderFacets(genres: SearchResult['facets']['genres']): void {
    const chip = (label: string, value: string | undefined) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'chip';
      button.textContent = label;
      button.setAttribute('aria-pressed', String(genre === value));
      button.addEventListener('click', () => {
        genre = value;
        run();
      });
      return button;
    };
    const chips = genres.map((g) => chip(`${g.value} (${g.count})`, g.value));
    // A genre with no matches left still gets its chip, so the filter shows and can be undone.
    if (genre && !genres.some((g) => g.value === genre)) chips.unshift(chip(`${genre} (0)`, genre));
    facets.replaceChildren(...(chips.length ? [chip('All genres', undefined), ...chips] : []));
  }

  function fail(q: string, message: string, paging: boolean): void {
    status.classList.add('error');
    status.textContent = message;
    // A failed next page keeps the results shown (and "More results" to retry); a failed search shows none.
    if (!paging) {
      el('results-heading').textContent = `Results for "${q}"`;
      items.replaceChildren();
      facets.replaceChildren();
      more.hidden = true;
    }
    options.showResults();
  }

  function reset(): void {
    clearTimeout(timer);
    latest++;
    genre = undefined;
    nextCursor = undefined;
    input.value = '';
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    if (query()) {
      timer = setTimeout(() => run(), DEBOUNCE_MS);
      return;
    }
    reset();
    options.showHome();
  });
  el('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  more.addEventListener('click', () => run(shown, nextCursor));

  return {
    get query() {
      return query();
    },
    reset,
  };
}
