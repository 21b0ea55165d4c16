/**
 * CloudFront policies: the canonical form of a URL, the policy document,
 * CloudFront's URL-safe base64, and the wildcard and CIDR matching the edge
 * uses to enforce them. Byte-for-byte what CloudFront (and
 * `@aws-sdk/cloudfront-signer`) produce, because signatures cover these bytes.
 */
import { ValidationError } from '../errors/index.js';

/** The query parameters CloudFront reserves for signed URLs. */
export const SIGNING_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'] as const;

/** A CloudFront policy statement, as serialized into the policy document. */
export interface PolicyStatement {
  Resource: string;
  Condition: {
    DateLessThan: { 'AWS:EpochTime': number };
    DateGreaterThan?: { 'AWS:EpochTime': number };
    IpAddress?: { 'AWS:SourceIp': string };
  };
}

/** A CloudFront policy document. */
export interface Policy {
  Statement: PolicyStatement[];
}

/** Epoch seconds of a date, rounded as CloudFront's own signers round. */
export function epochSeconds(value: Date | string | number, what: string): number {
  // A number is epoch seconds when it is small enough to be one, else milliseconds.
  const date = typeof value === 'number' ? new Date(value < 1e11 ? value * 1000 : value) : new Date(value);
  const ms = date.getTime();
  if (Number.isNaN(ms)) {
    throw new ValidationError(`Invalid ${what} ${JSON.stringify(value)}: expected an ISO date or epoch seconds`, [
      { path: what, message: 'not a date' },
    ]);
  }
  return Math.round(ms / 1000);
}

/** Percent-encodes one query key or value, keeping existing escapes and `+` as they are. */
function encodeQueryPart(part: string): string {
  const wellFormed = part.replace(/[\uD800-\uDFFF]/gu, '\uFFFD'); // lone surrogates only
  let out = '';
  let last = 0;
  for (const match of wellFormed.matchAll(/%[0-9A-Fa-f]{2}|\+/g)) {
    const index = match.index ?? 0;
    out += encodeURIComponent(wellFormed.slice(last, index)).replace(/'/g, '%27');
    out += match[0] === '+' ? '+' : match[0].toUpperCase();
    last = index + match[0].length;
  }
  return out + encodeURIComponent(wellFormed.slice(last)).replace(/'/g, '%27');
}

function encodePathSegment(segment: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(segment));
  } catch {
    return encodeURIComponent(segment);
  }
}

/**
 * The canonical form of a URL that a canned policy's `Resource` holds: each
 * path segment percent-encoded once (already-encoded segments are not encoded
 * twice), each query key and value encoded, empty query pairs dropped.
 *
 * @example
 * ```ts
 * canonicalUrl('https://cdn.example.com/titles/Le Film/master.m3u8?lang=fr&');
 * // "https://cdn.example.com/titles/Le%20Film/master.m3u8?lang=fr"
 * ```
 */
export function canonicalUrl(url: string): string {
  const scheme = url.indexOf('//');
  if (scheme === -1) return url;
  const pathStart = url.indexOf('/', scheme + 2);
  if (pathStart === -1) return url;
  const origin = url.slice(0, pathStart);
  const rest = url.slice(pathStart);
  const q = rest.indexOf('?');
  const path = (q === -1 ? rest : rest.slice(0, q)).replace(/[^/]+/g, encodePathSegment);
  if (q === -1) return origin + path;
  const pairs = rest
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      return `${encodeQueryPart(key)}=${encodeQueryPart(value)}`;
    });
  return pairs.length ? `${origin}${path}?${pairs.join('&')}` : origin + path;
}

/** Checks that a URL is one CloudFront signs (http or https). */
export function assertSignableUrl(url: string): void {
  if (!/^https?:\/\/[^/?#]+/i.test(url)) {
    throw new ValidationError(`Cannot sign "${url}": expected an absolute http:// or https:// URL`, [
      { path: 'url', message: 'expected an absolute http(s) URL' },
    ]);
  }
}

/** Validates an IPv4 CIDR (a bare address means /32) and returns it in `a.b.c.d/n` form. */
export function normalizeCidr(cidr: string): string {
  const [ip, mask = '32', ...extra] = cidr.split('/');
  const octets = (ip ?? '').split('.');
  const validIp = octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
  const validMask = /^\d{1,2}$/.test(mask) && Number(mask) <= 32;
  if (!validIp || !validMask || extra.length || !ip) {
    throw new ValidationError(`Invalid IP range "${cidr}": expected an IPv4 address or CIDR such as 203.0.113.0/24`, [
      { path: 'ipRange', message: 'expected IPv4 CIDR' },
    ]);
  }
  return `${ip}/${mask}`;
}

function ipv4ToInt(ip: string): number | undefined {
  const octets = ip.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet) || Number(octet) > 255) return undefined;
    value = value * 256 + Number(octet);
  }
  return value;
}

/** True when an IPv4 address (or an IPv4-mapped IPv6 one) lies inside a CIDR. */
export function cidrContains(cidr: string, address: string): boolean {
  const [base = '', maskText = '32'] = cidr.split('/');
  const ip = ipv4ToInt(address.replace(/^::ffff:/i, ''));
  const network = ipv4ToInt(base);
  const mask = Number(maskText);
  if (ip === undefined || network === undefined || !Number.isInteger(mask)) return false;
  if (mask === 0) return true;
  const shift = 32 - mask;
  return Math.floor(ip / 2 ** shift) === Math.floor(network / 2 ** shift);
}

/**
 * CloudFront's resource matching: `*` matches any run of characters
 * (including none), `?` exactly one; everything else literally, case-sensitive.
 */
export function resourceMatches(pattern: string, url: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(url);
}

/** Serializes a policy exactly as CloudFront's signers do (key order matters for the signature). */
export function serializePolicy(statement: {
  resource: string;
  expires: number;
  starts?: number | undefined;
  ipRange?: string | undefined;
}): string {
  const condition: PolicyStatement['Condition'] = { DateLessThan: { 'AWS:EpochTime': statement.expires } };
  if (statement.starts) condition.DateGreaterThan = { 'AWS:EpochTime': statement.starts };
  if (statement.ipRange) condition.IpAddress = { 'AWS:SourceIp': statement.ipRange };
  const policy: Policy = { Statement: [{ Resource: statement.resource, Condition: condition }] };
  return JSON.stringify(policy);
}

/** CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`. */
export function toCloudFrontBase64(base64: string): string {
  return base64.replace(/[+=/]/g, (c) => (c === '+' ? '-' : c === '=' ? '_' : '~'));
}

/** The inverse of {@link toCloudFrontBase64}. */
export function fromCloudFrontBase64(text: string): Buffer {
  return Buffer.from(
    text.replace(/[-_~]/g, (c) => (c === '-' ? '+' : c === '_' ? '=' : '/')),
    'base64',
  );
}
