/**
 * The playback grant: may this viewer play this title now, and if so, a
 * playback session (within the plan's stream limit), a signed manifest URL
 * (the master for the viewer's plan) and signed cookies for the title's
 * whole CDN tree. Grants are short: each heartbeat of the session renews
 * them, so an ended or revoked session stops playing within one grant
 * period.
 *
 * The policy has no per-viewer condition, so its expiry is rounded up to a
 * bucket and its signature is shared by everyone who starts the title in
 * that bucket: a popular title costs one RSA signature per bucket, not one
 * per viewer. URL and cookies come from the one signed policy.
 */
import { LRUCache } from 'lru-cache';
import { type Catalog, TITLE_STATUS, type Title } from '../catalog/index.js';
import type { PlaybackProtection } from '../contract/index.js';
import { ConfigError, ErrorCode, isStreamctlError, NotFoundError } from '../errors/index.js';
import { titleResourcePattern } from '../resources/index.js';
import type { DeviceInput, PlaybackSession, Sessions } from '../sessions/index.js';
import type { Viewer } from '../users/index.js';
import { assertEntitled } from './entitlement.js';
import { manifestForPlan } from './plan-manifest.js';
import { type PlaybackSigner, signedCookies, signedUrl } from './signer.js';

/** The session a grant belongs to, as a player needs it. */
export interface GrantSession {
  id: string;
  /** Seconds between heartbeats (`PUT /v1/sessions/:id`). */
  heartbeatSec: number;
  /** When the session ends unless a heartbeat comes first. */
  expiresAt: string;
  deviceId: string;
}

/** What a viewer gets to start (or keep) playing. */
export interface PlaybackGrant {
  manifestUrl: string;
  /** ISO time the URL and cookies stop working. */
  expiresAt: string;
  cookies: Record<string, string>;
  /** For a protected title: where its keys (aes-128) or licences (drm) come from. */
  protection?: PlaybackProtection;
  /** The DASH manifest of the viewer's plan, signed like `manifestUrl`, when the title has one. */
  dashManifestUrl?: string;
  /** The WebVTT thumbnail track (seek previews), signed like `manifestUrl`, when the title has one. */
  thumbnailTrackUrl?: string;
  session: GrantSession;
}

/** DRM licence servers, as the stage's configuration names them (`protection.*LicenseUrl`). */
export interface LicenseServers {
  widevineLicenseUrl?: string | undefined;
  playreadyLicenseUrl?: string | undefined;
  fairplayLicenseUrl?: string | undefined;
  fairplayCertificateUrl?: string | undefined;
}

/**
 * What a player needs to set up for a title's protection: the key route's path for `aes-128`
 * (resolved against the API's base URL: the manifests name keys by the same path), the
 * licence servers for `drm`.
 */
export function playbackProtection(
  title: Pick<Title, 'titleId' | 'protection'>,
  licenses: LicenseServers = {},
): PlaybackProtection | undefined {
  const scheme = title.protection?.scheme;
  if (scheme === 'aes-128') return { scheme, keyUrl: `/v1/keys/${title.titleId}/` };
  if (scheme !== 'drm') return undefined;
  return {
    scheme,
    ...(licenses.widevineLicenseUrl ? { widevine: { licenseUrl: licenses.widevineLicenseUrl } } : {}),
    ...(licenses.playreadyLicenseUrl ? { playready: { licenseUrl: licenses.playreadyLicenseUrl } } : {}),
    ...(licenses.fairplayLicenseUrl
      ? {
          fairplay: {
            licenseUrl: licenses.fairplayLicenseUrl,
            ...(licenses.fairplayCertificateUrl ? { certificateUrl: licenses.fairplayCertificateUrl } : {}),
          },
        }
      : {}),
  };
}

/**
 * The bucket grant expiries round up to when none is given: a fifth of the TTL, 15 minutes at most.
 *
 * @example
 * ```ts
 * grantBucketSeconds(300); // 60
 * ```
 */
export function grantBucketSeconds(ttlSeconds: number): number {
  return Math.max(1, Math.min(900, Math.floor(ttlSeconds / 5)));
}

/**
 * The longest a grant (or artwork URL) signed now stays valid: its TTL, plus at most one bucket
 * from rounding its expiry up. A key rotation keeps the old key trusted at least this long.
 *
 * @example
 * ```ts
 * longestGrantSeconds(300); // 360
 * ```
 */
export function longestGrantSeconds(ttlSeconds: number, bucketSeconds = grantBucketSeconds(ttlSeconds)): number {
  return ttlSeconds + bucketSeconds;
}

/** How grants are signed. */
export interface PlaybackGrantOptions {
  signer: PlaybackSigner;
  /** Base URL of the CDN (the CloudFront domain, or the local edge). */
  cdnBaseUrl: string;
  /** How long a grant lasts at least. Default: the sessions' grant period. */
  ttlSeconds?: number;
  /** Expiries round up to this bucket so signatures can be shared. Default: a fifth of the TTL, 15 min at most. */
  bucketSeconds?: number;
  /** Licence servers that grants of `drm` titles name. */
  licenses?: LicenseServers;
}

/** The playback use case. */
export interface PlaybackGrants {
  /**
   * A grant for an entitled viewer on a device, opening a session: `NOT_FOUND` for a title that
   * is unknown, not published or without an HLS manifest, `FORBIDDEN` (NotEntitledError) when the
   * viewer may not play it here or now, `STREAM_LIMIT` when the account plays its plan's streams
   * already, `DEVICE_LIMIT` for a new device over the devices allowed.
   */
  grant(viewer: Viewer, titleId: string, device?: DeviceInput): Promise<PlaybackGrant>;
  /**
   * The heartbeat: keeps the viewer's session alive and renews its grant. Entitlement is checked
   * again, so a window that closed or a withdrawn title ends the session (and answers as `grant`
   * would); an ended session answers `NOT_FOUND`.
   */
  renew(viewer: Viewer, sessionId: string): Promise<PlaybackGrant>;
}

/**
 * Creates the playback use case. Without signing options every grant
 * throws `CONFIG_INVALID`, naming what is missing.
 *
 * @example
 * ```ts
 * const playback = createPlaybackGrants({ catalog, sessions }, { signer, cdnBaseUrl: 'https://d111.cloudfront.net' });
 * const { manifestUrl, cookies, session } = await playback.grant(viewer, 't1', { deviceId: 'tv-1' });
 * await playback.renew(viewer, session.id); // every session.heartbeatSec
 * ```
 */
export function createPlaybackGrants(
  deps: { catalog: Pick<Catalog, 'findTitle'>; sessions: Sessions; now?: () => number },
  options: PlaybackGrantOptions | undefined,
): PlaybackGrants {
  const now = deps.now ?? Date.now;
  const ttl = options?.ttlSeconds ?? deps.sessions.settings.grantSeconds;
  const bucket = options?.bucketSeconds ?? grantBucketSeconds(ttl);
  // Signed grants by manifest and expiry; the newest buckets of the hottest titles stay.
  const memo = new LRUCache<string, Omit<PlaybackGrant, 'session'>>({ max: 10_000 });

  /** Everything but the session: the title must be playable by this viewer now. */
  async function signedFor(viewer: Viewer, titleId: string): Promise<Omit<PlaybackGrant, 'session'>> {
    const title = await deps.catalog.findTitle(titleId);
    // A title that is not published does not exist for a viewer: the answer must not tell it
    // from an unknown id (a 403 would confirm that a draft or a withdrawn title is there).
    if (title?.status !== TITLE_STATUS.PUBLISHED) {
      throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
    }
    const nowMs = now();
    assertEntitled(title, viewer, titleId, new Date(nowMs));
    const manifest = manifestForPlan(title, deps.sessions.plan(viewer).maxHeight);
    if (!manifest) throw new NotFoundError(`Title ${titleId} has no HLS manifest`, { details: { titleId } });
    if (!options) {
      throw new ConfigError('Playback is not configured: no CloudFront signer and CDN URL', {
        hint: 'create the platform with playback: { signer, cdnBaseUrl }',
      });
    }
    const nowSec = Math.floor(nowMs / 1000);
    const expires = Math.ceil((nowSec + ttl) / bucket) * bucket;
    const protection = playbackProtection(title, options.licenses);
    const key = `${options.signer.keyPairId}|${manifest}|${expires}|${protection?.scheme ?? 'none'}|${title.manifests.dash ?? ''}|${title.images?.thumbnailTrack ?? ''}`;
    // The key holds the expiry, which is at least a TTL away from now: a hit still gives the full TTL.
    // It holds the signing key too: once a rotation switches keys, no grant of the old one is handed out.
    const hit = memo.get(key);
    if (hit) return hit;
    const base = options.cdnBaseUrl.replace(/\/$/, '');
    const manifestUrl = `${base}/${manifest}`;
    const signed = options.signer.signPolicy(manifestUrl, {
      expiresAt: expires,
      resource: titleResourcePattern(base, titleId),
    });
    // The policy covers the title's whole tree: its signature signs any URL in it.
    const dash = manifestForPlan(title, deps.sessions.plan(viewer).maxHeight, 'dash');
    const track = title.images?.thumbnailTrack;
    const grant = {
      manifestUrl: signedUrl(manifestUrl, signed),
      expiresAt: new Date(expires * 1000).toISOString(),
      cookies: { ...signedCookies(signed) },
      ...(protection ? { protection } : {}),
      // AES-128 has no DASH form (whole-segment encryption is HLS's); a protected title plays HLS.
      ...(dash && protection?.scheme !== 'aes-128' ? { dashManifestUrl: signedUrl(`${base}/${dash}`, signed) } : {}),
      ...(track ? { thumbnailTrackUrl: signedUrl(`${base}/${track}`, signed) } : {}),
    };
    memo.set(key, grant);
    return grant;
  }

  const withSession = (signed: Omit<PlaybackGrant, 'session'>, session: PlaybackSession): PlaybackGrant => ({
    ...signed,
    session: {
      id: session.sessionId,
      heartbeatSec: deps.sessions.settings.heartbeatSeconds,
      expiresAt: session.expiresAt,
      deviceId: session.deviceId,
    },
  });

  return {
    async grant(viewer, titleId, device) {
      // Entitlement first: a viewer who may not play the title takes no stream slot.
      const signed = await signedFor(viewer, titleId);
      return withSession(signed, await deps.sessions.start(viewer, titleId, device));
    },
    async renew(viewer, sessionId) {
      const session = await deps.sessions.heartbeat(viewer, sessionId);
      try {
        return withSession(await signedFor(viewer, session.titleId), session);
      } catch (err) {
        // No longer playable here or now: the session ends with its grant. (A failure to read
        // the catalog says nothing about the title, and leaves the session to its TTL.)
        if (isStreamctlError(err) && (err.code === ErrorCode.NotFound || err.code === ErrorCode.Forbidden)) {
          await deps.sessions.end(viewer, sessionId);
        }
        throw err;
      }
    },
  };
}

/**
 * The `Set-Cookie` headers that hand a grant's CloudFront cookies to a browser whose page, API
 * and media share one origin (the player served through the distribution, or through the local
 * edge): `HttpOnly` so no script (an injected one included) reads them, `SameSite=Strict`,
 * scoped to the title's tree (`Path=/titles/<id>/`), expiring with the grant, and `Secure`
 * whenever the page is https. Non-browser clients keep the grant's JSON `cookies` instead.
 *
 * @example
 * ```ts
 * for (const header of grantSetCookies(grant, { secure: true })) c.header('Set-Cookie', header, { append: true });
 * ```
 */
export function grantSetCookies(
  grant: Pick<PlaybackGrant, 'cookies' | 'expiresAt' | 'manifestUrl'>,
  options: { secure: boolean },
): string[] {
  // The title's tree as the manifest's path names it: /titles/<id>/ (the signed policy's resource).
  const path = /^\/titles\/[^/]+\//.exec(new URL(grant.manifestUrl).pathname)?.[0];
  if (!path) return [];
  const expires = new Date(grant.expiresAt).toUTCString();
  return Object.entries(grant.cookies).map(
    ([name, value]) =>
      `${name}=${value}; Path=${path}; Expires=${expires}; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`,
  );
}
