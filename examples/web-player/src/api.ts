/**
 * The player's connection to the platform: a dev sign-in against the local
 * API (`GET /dev/token`, served by `streamctl dev` only) and the typed client
 * of `@streamctl/client` for everything else.
 */
import { type Client, createClient } from '@streamctl/client';

export interface Session {
  userId: string;
  country: string;
  token: string;
  client: Client;
}

/** The API is the page's own origin (`streamctl dev --player`), or `?api=` for a player served elsewhere. */
export function apiBase(): string {
  return new URL(location.href).searchParams.get('api') ?? location.origin;
}

/** Signs in as a dev user of the local platform. */
export async function signIn(userId: string, country: string): Promise<Session> {
  const res = await fetch(
    `${apiBase()}/dev/token?user=${encodeURIComponent(userId)}&country=${encodeURIComponent(country)}`,
  );
  const body = (await res.json()) as { token?: string; error?: { message: string } };
  if (!res.ok || !body.token) throw new Error(body.error?.message ?? `sign-in failed (${res.status})`);
  const token = body.token;
  // keepalive: events posted as the page goes away (pause on reload or close) still reach the API.
  const keepalive: typeof fetch = (input, init) => fetch(input, { ...init, keepalive: init?.method === 'POST' });
  return { userId, country, token, client: createClient({ baseUrl: apiBase(), token, fetch: keepalive }) };
}
