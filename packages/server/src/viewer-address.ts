/**
 * The viewer's address behind CloudFront. On AWS the API's transport peer is
 * a CloudFront server shared by thousands of viewers, so the per-IP limit
 * keys on `CloudFront-Viewer-Address` instead, but only on requests that
 * carry the stage's origin secret, which CloudFront adds on its way to the
 * API and nobody else knows. Anyone may send the viewer header; without the
 * secret it is ignored.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The header CloudFront fills with the viewer's address and source port. */
export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';

/**
 * The viewer's IP from a `CloudFront-Viewer-Address` value, or undefined when
 * it is not an address and a port. CloudFront writes `198.51.100.10:46532`,
 * and IPv6 unbracketed (`2001:db8::1:443`: the port follows the last colon);
 * the bracketed form (`[2001:db8::1]:443`) is taken too.
 *
 * @example
 * ```ts
 * parseViewerAddress('198.51.100.10:46532'); // "198.51.100.10"
 * parseViewerAddress('[2001:DB8::1]:443');   // "2001:db8::1"
 * parseViewerAddress('localhost:80');        // undefined
 * ```
 */
export function parseViewerAddress(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(text);
    if (!bracketed || isIP(bracketed[1] as string) !== 6) return undefined;
    [host, port] = [bracketed[1] as string, bracketed[2] as string];
  } else {
    const at = text.lastIndexOf(':');
    if (at <= 0) return undefined;
    [host, port] = [text.slice(0, at), text.slice(at + 1)];
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) return undefined;
  // An address only: no zone index (`fe80::1%eth0`), nothing that is not an IP.
  if (isIP(host) === 0 || host.includes('%')) return undefined;
  return host.toLowerCase();
}

/** The origin secret: a value, or a function asked on each request that presents one (it caches; undefined while unknown). */
export type OriginSecret = string | (() => Promise<string | undefined>);

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * A check of the secret a request presents against the origin secret, in
 * constant time: both sides are hashed first, so neither the content nor the
 * length of the secret shows in the time a check takes. A request without
 * one never asks for the secret.
 *
 * @example
 * ```ts
 * const fromEdge = createOriginCheck(() => secrets.get());
 * if (await fromEdge(c.req.header('x-streamctl-origin-secret'))) trustViewerAddress();
 * ```
 */
export function createOriginCheck(secret: OriginSecret): (presented: string | undefined) => Promise<boolean> {
  let known: { value: string; digest: Buffer } | undefined;
  return async (presented) => {
    if (!presented) return false;
    const value = typeof secret === 'string' ? secret : await secret().catch(() => undefined);
    if (!value) return false;
    if (known?.value !== value) known = { value, digest: digest(value) };
    return timingSafeEqual(digest(presented), known.digest);
  };
}
