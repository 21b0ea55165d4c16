/**
 * Checks a viewer request as CloudFront does for a distribution whose
 * behavior trusts a key group: signature against the group's public keys,
 * expiry, start time, source IP and resource. Signed URL parameters win over
 * signed cookies, as at CloudFront.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  cidrContains,
  fromCloudFrontBase64,
  type Policy,
  resourceMatches,
  SIGNING_PARAMS,
  serializePolicy,
} from './policy.js';

/** Why a request was refused. */
export type DenyReason =
  | 'missing-signature'
  | 'unknown-key-pair'
  | 'malformed-policy'
  | 'invalid-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'ip-not-allowed'
  | 'resource-mismatch';

/** The outcome of a check. */
export type Verdict =
  | { allowed: true; keyPairId: string; expires: number; via: 'url' | 'cookies' }
  | { allowed: false; reason: DenyReason; message: string };

/** A viewer request, as the edge sees it. */
export interface ViewerRequest {
  /** The full request URL, e.g. `http://127.0.0.1:4510/titles/t1/master.m3u8?Expires=…`. */
  url: string;
  /** Cookies sent with the request, by name. */
  cookies: Record<string, string>;
  /** The viewer's IP address. */
  clientIp: string;
  /** Now, in epoch seconds (for tests). Default: the clock. */
  now?: number;
}

/** A verifier bound to a key group. */
export interface PlaybackVerifier {
  verify(request: ViewerRequest): Verdict;
}

const deny = (reason: DenyReason, message: string): Verdict => ({ allowed: false, reason, message });

/** The request URL without CloudFront's signing parameters: what a canned policy's resource is. */
export function stripSigningParams(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair && !(SIGNING_PARAMS as readonly string[]).includes(pair.split('=')[0] ?? ''));
  return kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}

function queryParams(url: string): Map<string, string> {
  const params = new Map<string, string>();
  const q = url.indexOf('?');
  if (q === -1) return params;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) params.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
  }
  return params;
}

/**
 * Creates a verifier for the public keys of a key group (several during a
 * key rotation: a signature by any listed key is accepted).
 *
 * @example
 * ```ts
 * const verifier = createPlaybackVerifier({ K2JCJMDEHXQW5F: publicKeyPem });
 * const verdict = verifier.verify({ url, cookies: {}, clientIp: '203.0.113.7' });
 * if (!verdict.allowed) console.log(verdict.reason);
 * ```
 */
export function createPlaybackVerifier(publicKeys: Record<string, string | KeyObject>): PlaybackVerifier {
  const keys = new Map<string, KeyObject>(
    Object.entries(publicKeys).map(([id, key]) => [id, typeof key === 'string' ? createPublicKey(key) : key]),
  );
  return {
    verify(request) {
      const now = request.now ?? Math.floor(Date.now() / 1000);
      const params = queryParams(request.url);
      const fromUrl = params.has('Signature') || params.has('Key-Pair-Id');
      const get = (name: string) => (fromUrl ? params.get(name) : request.cookies[`CloudFront-${name}`]);
      const signature = get('Signature');
      const keyPairId = get('Key-Pair-Id');
      const encodedPolicy = get('Policy');
      const expiresText = get('Expires');
      if (!signature || !keyPairId || (!encodedPolicy && !expiresText)) {
        return deny('missing-signature', 'Missing Key-Pair-Id, Signature, or Expires/Policy query parameter or cookie');
      }
      const key = keys.get(keyPairId);
      if (!key) return deny('unknown-key-pair', `Key-Pair-Id ${keyPairId} is not in the trusted key group`);

      const resourceUrl = stripSigningParams(request.url);
      let policyText: string;
      if (encodedPolicy) {
        policyText = fromCloudFrontBase64(encodedPolicy).toString('utf8');
      } else {
        const expires = Number(expiresText);
        if (!Number.isInteger(expires)) return deny('malformed-policy', 'Expires is not a whole number of seconds');
        policyText = serializePolicy({ resource: resourceUrl, expires });
      }
      if (!verify('RSA-SHA1', Buffer.from(policyText), key, fromCloudFrontBase64(signature))) {
        return deny('invalid-signature', 'The signature does not match the policy');
      }
      let policy: Policy;
      try {
        policy = JSON.parse(policyText) as Policy;
      } catch {
        return deny('malformed-policy', 'The policy is not JSON');
      }
      const statement = policy.Statement?.[0];
      const expires = statement?.Condition?.DateLessThan?.['AWS:EpochTime'];
      if (!statement || typeof expires !== 'number') {
        return deny('malformed-policy', 'The policy has no DateLessThan condition');
      }
      if (now >= expires) return deny('expired', `Expired at ${new Date(expires * 1000).toISOString()}`);
      const starts = statement.Condition.DateGreaterThan?.['AWS:EpochTime'];
      if (starts !== undefined && now < starts) {
        return deny('not-yet-valid', `Not valid before ${new Date(starts * 1000).toISOString()}`);
      }
      const cidr = statement.Condition.IpAddress?.['AWS:SourceIp'];
      if (cidr && !cidrContains(cidr, request.clientIp)) {
        return deny('ip-not-allowed', `Viewer IP ${request.clientIp} is outside ${cidr}`);
      }
      const resource = statement.Resource ?? resourceUrl;
      if (!resourceMatches(resource, resourceUrl)) {
        return deny('resource-mismatch', `The policy's resource does not cover ${resourceUrl}`);
      }
      return { allowed: true, keyPairId, expires, via: fromUrl ? 'url' : 'cookies' };
    },
  };
}
