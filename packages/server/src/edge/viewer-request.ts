/**
 * The Lambda@Edge viewer-request function of the CDN: verifies the viewer's
 * JWT at the edge, sends AV1-capable devices to the AV1 rendition tree and
 * everyone else to H.264, and passes the viewer's identity and country on
 * to the origin and the logs.
 */

import { parseTitlePath, titleObjectPath } from '@streamctl/sdk/resources';
import type { CloudFrontHeaders, CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import type { TokenVerifier, Viewer } from '../auth.js';

/** Codecs the renditions exist in, as path segments under `/titles/<id>/`. */
export const CODEC_TREES = ['av1', 'h264'] as const;

/** Options of {@link createViewerRequestHandler}. */
export interface ViewerRequestOptions {
  verifyToken: TokenVerifier;
  /** Name of the cookie that may carry the token for media requests. Default `streamctl-token`. */
  tokenCookie?: string;
}

function header(headers: CloudFrontHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0]?.value;
}

function setHeader(headers: CloudFrontHeaders, name: string, value: string): void {
  headers[name.toLowerCase()] = [{ key: name, value }];
}

function tokenFrom(headers: CloudFrontHeaders, cookieName: string): string | undefined {
  const auth = header(headers, 'authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  for (const entry of headers.cookie ?? []) {
    for (const part of entry.value.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === cookieName) return rest.join('=');
    }
  }
  return undefined;
}

/**
 * True when the device says it decodes AV1: our players send the codecs
 * `MediaSource.isTypeSupported` accepts in `x-streamctl-codecs`; otherwise
 * an `av1` entry in the `codecs` query parameter.
 */
export function supportsAv1(headers: CloudFrontHeaders, querystring: string): boolean {
  const declared = header(headers, 'x-streamctl-codecs') ?? new URLSearchParams(querystring).get('codecs') ?? '';
  return declared
    .toLowerCase()
    .split(',')
    .some((c) => c.trim() === 'av1' || c.trim().startsWith('av01'));
}

function deny(status: '401' | '403', description: string, message: string): CloudFrontRequestResult {
  return {
    status,
    statusDescription: description,
    headers: {
      'content-type': [{ key: 'Content-Type', value: 'application/json' }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
      ...(status === '401' ? { 'www-authenticate': [{ key: 'WWW-Authenticate', value: 'Bearer' }] } : {}),
    },
    body: JSON.stringify({ error: { code: status === '401' ? 'UNAUTHORIZED' : 'FORBIDDEN', message } }),
  };
}

/**
 * Creates the viewer-request handler.
 *
 * @example
 * ```ts
 * export const handler = createViewerRequestHandler({ verifyToken: createJwtVerifier({ jwks, issuer }) });
 * ```
 */
export function createViewerRequestHandler(
  options: ViewerRequestOptions,
): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  const cookieName = options.tokenCookie ?? 'streamctl-token';
  return async (event) => {
    const record = event.Records[0];
    if (!record) return deny('403', 'Forbidden', 'No request in the event');
    const request = record.cf.request;
    const token = tokenFrom(request.headers, cookieName);
    if (!token) return deny('401', 'Unauthorized', 'A bearer token is required');
    let viewer: Viewer;
    try {
      viewer = await options.verifyToken(token);
    } catch (err) {
      return deny('401', 'Unauthorized', `Invalid token: ${(err as Error).message}`);
    }

    // A title's object without a codec tree goes to the tree this device decodes.
    const object = parseTitlePath(request.uri);
    if (object && !(CODEC_TREES as readonly string[]).includes(object.relative.split('/')[0] ?? '')) {
      const tree = supportsAv1(request.headers, request.querystring) ? 'av1' : 'h264';
      request.uri = titleObjectPath(object.titleId, `${tree}/${object.relative}`);
    }
    // The origin (S3 through origin access control) signs its own requests;
    // the viewer's credentials never travel further than the edge.
    delete request.headers.authorization;
    setHeader(request.headers, 'x-streamctl-user', viewer.userId);
    const country = header(request.headers, 'cloudfront-viewer-country') ?? viewer.country;
    if (country) setHeader(request.headers, 'x-streamctl-viewer-country', country);
    return request;
  };
}
