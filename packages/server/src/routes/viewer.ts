/**
 * The viewer's routes: home page, titles, search, watchlist, continue watching.
 * Each parses, calls one use case with the viewer, and answers its result.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  ContinueWatchingSchema,
  HomeSchema,
  IdSchema,
  SearchQuerySchema,
  SearchResultSchema,
  TitleSchema,
  WatchlistChangeSchema,
  WatchlistPageSchema,
  WatchlistQuerySchema,
} from '@streamctl/sdk/contract';
import type { HttpApp, HttpPlatform } from '../context.js';
import { json, NoQuery, secured, sharedJson, viewerErrors } from './shared.js';

const TitleParams = z.object({ titleId: IdSchema });

const home = createRoute({
  method: 'get',
  path: '/v1/home',
  summary: 'Personalized rails',
  ...secured,
  request: { query: NoQuery },
  responses: { 200: { description: 'rails', content: json(HomeSchema) }, ...viewerErrors },
});

const title = createRoute({
  method: 'get',
  path: '/v1/titles/{titleId}',
  summary: 'A published title',
  ...secured,
  request: { params: TitleParams, query: NoQuery },
  responses: { 200: { description: 'title', content: json(TitleSchema) }, ...viewerErrors },
});

const search = createRoute({
  method: 'get',
  path: '/v1/search',
  summary: 'Titles the caller may play matching a query, best first (typo-tolerant, accents folded)',
  ...secured,
  request: { query: SearchQuerySchema },
  responses: { 200: { description: 'a page of matches', content: json(SearchResultSchema) }, ...viewerErrors },
});

const watchlist = createRoute({
  method: 'get',
  path: '/v1/watchlist',
  summary: "The caller's watchlist, newest first",
  ...secured,
  request: { query: WatchlistQuerySchema },
  responses: { 200: { description: 'a page', content: json(WatchlistPageSchema) }, ...viewerErrors },
});

const add = createRoute({
  method: 'put',
  path: '/v1/watchlist/{titleId}',
  summary: 'Add a title (idempotent)',
  ...secured,
  request: { params: TitleParams, query: NoQuery },
  responses: { 200: { description: 'added', content: json(WatchlistChangeSchema) }, ...viewerErrors },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/watchlist/{titleId}',
  summary: 'Remove a title (idempotent)',
  ...secured,
  request: { params: TitleParams, query: NoQuery },
  responses: { 200: { description: 'removed', content: json(WatchlistChangeSchema) }, ...viewerErrors },
});

const continueWatching = createRoute({
  method: 'get',
  path: '/v1/continue-watching',
  summary: 'Titles with resume positions',
  ...secured,
  request: { query: NoQuery },
  responses: { 200: { description: 'titles', content: json(ContinueWatchingSchema) }, ...viewerErrors },
});

/** Mounts the viewer's routes. */
export function viewerRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.openapi(home, async (c) => sharedJson(c, await platform.home.build(c.get('viewer'))));
  app.openapi(title, async (c) =>
    c.json(await platform.titles.view(c.get('viewer'), c.req.valid('param').titleId), 200),
  );
  app.openapi(search, async (c) => c.json(await platform.search.query(c.get('viewer'), c.req.valid('query')), 200));
  app.openapi(watchlist, async (c) =>
    c.json(await platform.lists.watchlist(c.get('viewer'), c.req.valid('query')), 200),
  );
  app.openapi(add, async (c) =>
    c.json(await platform.lists.addToWatchlist(c.get('viewer'), c.req.valid('param').titleId), 200),
  );
  app.openapi(remove, async (c) =>
    c.json(await platform.lists.removeFromWatchlist(c.get('viewer'), c.req.valid('param').titleId), 200),
  );
  app.openapi(continueWatching, async (c) => c.json(await platform.lists.continueWatching(c.get('viewer')), 200));
}
