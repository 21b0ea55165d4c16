/**
 * The player's connection to the platform: a dev sign-in against the local
 * API (`GET /dev/token`, served by `streamctl dev` only) and the typed client
 * of `@streamctl/client` for everything else.
 */
import { type Client, createClient } from '@streamctl/client';

/** The plans a dev token may name (the local stage's defaults: 1, 2 and 4 streams at once). */
export const PLANS = ['basic', 'standard', 'premium'] as const;
export type PlanName = (typeof PLANS)[number];

export interface Session {
  userId: string;
  country: string;
  plan: PlanName;
  token: string;
  client: Client;
}

/** The API is the page's own origin (`streamctl dev --player`), or `?api=` for a player served elsewhere. */
export function apiBase(): string {
  return new URL(location.href).searchParams.get('api') ?? location.origin;
}

/** Signs in as a dev user of the local platform, on a plan (which decides how many devices play at once). */
export async function signIn(userId: string, country: string, plan: PlanName = 'standard'): Promise<Session> {
  const query = new URLSearchParams({ user: userId, country, plan });
  const res = await fetch(`${apiBase()}/dev/token?${query.toString()}`);
  const body = (await res.json()) as { token?: string; error?: { message: string } };
  if (!res.ok || !body.token) throw new Error(body.error?.message ?? `sign-in failed (${res.status})`);
  const token = body.token;
  // keepalive: what is sent as the page goes away still reaches the API: the pause event (POST
  // /v1/events) and the end of the playback session (DELETE /v1/sessions/:id), which frees its stream.
  const keepalive: typeof fetch = (input, init) =>
    fetch(input, { ...init, keepalive: init?.method === 'POST' || init?.method === 'DELETE' });
  return { userId, country, plan, token, client: createClient({ baseUrl: apiBase(), token, fetch: keepalive }) };
}
