import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../auth.js';
import { createViewerRequestHandler } from './viewer-request.js';

/** A viewer-request event as CloudFront sends it to Lambda@Edge. */
function viewerRequest(uri: string, headers: Record<string, string> = {}, querystring = ''): CloudFrontRequestEvent {
  const cfHeaders = Object.fromEntries(
    Object.entries({ host: 'd111111abcdef8.cloudfront.net', 'user-agent': 'Mozilla/5.0', ...headers }).map(([k, v]) => [
      k.toLowerCase(),
      [{ key: k, value: v }],
    ]),
  );
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'viewer-request',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request: { clientIp: '203.0.113.178', headers: cfHeaders, method: 'GET', querystring, uri },
        },
      },
    ],
  };
}

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
let token: string;
let foreignToken: string;
let handler: ReturnType<typeof createViewerRequestHandler>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  handler = createViewerRequestHandler({ verifyToken: createJwtVerifier({ jwks: { keys: [jwk] }, issuer: ISSUER }) });
  token = await new SignJWT({ 'custom:country': 'gb', 'custom:plan': 'basic' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('alice')
    .setIssuer(ISSUER)
    .setExpirationTime('5m')
    .sign(privateKey);
  const other = await generateKeyPair('RS256');
  foreignToken = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('mallory')
    .setIssuer(ISSUER)
    .setExpirationTime('5m')
    .sign(other.privateKey);
});

describe('viewer-request handler', () => {
  it('sends an AV1-capable device to the AV1 tree and passes identity and country on', async () => {
    const result = (await handler(
      viewerRequest('/titles/t1/master.m3u8', {
        Authorization: `Bearer ${token}`,
        'X-Streamctl-Codecs': 'av01.0.08M.08,avc1.640028',
        'CloudFront-Viewer-Country': 'FR',
      }),
    )) as CloudFrontRequest;
    expect(result.uri).toBe('/titles/t1/av1/master.m3u8');
    expect(result.headers.authorization).toBeUndefined();
    expect(result.headers['x-streamctl-user']).toEqual([{ key: 'x-streamctl-user', value: 'alice' }]);
    // CloudFront's own geo header wins over the token's claim.
    expect(result.headers['x-streamctl-viewer-country']?.[0]?.value).toBe('FR');
  });

  it('sends other devices to H.264, takes the token from a cookie and the country from the token', async () => {
    const result = (await handler(
      viewerRequest('/titles/t1/720p/seg_00001.m4s', { Cookie: `theme=dark; streamctl-token=${token}` }),
    )) as CloudFrontRequest;
    expect(result.uri).toBe('/titles/t1/h264/720p/seg_00001.m4s');
    expect(result.headers['x-streamctl-viewer-country']?.[0]?.value).toBe('GB');
  });

  it('takes the codecs from the query string and leaves codec trees and other paths alone', async () => {
    const byQuery = (await handler(
      viewerRequest('/titles/t1/master.m3u8', { Authorization: `Bearer ${token}` }, 'codecs=av1'),
    )) as CloudFrontRequest;
    expect(byQuery.uri).toBe('/titles/t1/av1/master.m3u8');
    const already = (await handler(
      viewerRequest('/titles/t1/h264/master.m3u8', { Authorization: `Bearer ${token}` }),
    )) as CloudFrontRequest;
    expect(already.uri).toBe('/titles/t1/h264/master.m3u8');
    const poster = (await handler(
      viewerRequest('/posters/t1.jpg', { Authorization: `Bearer ${token}` }),
    )) as CloudFrontRequest;
    expect(poster.uri).toBe('/posters/t1.jpg');
  });

  it('answers 401 with a JSON body without a token or with a token from another key', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { Authorization: `Bearer ${foreignToken}` },
      { Authorization: 'Bearer not.a.jwt' },
    ];
    for (const headers of cases) {
      const result = (await handler(viewerRequest('/titles/t1/master.m3u8', headers))) as CloudFrontResultResponse;
      expect(result.status).toBe('401');
      expect(result.headers?.['www-authenticate']?.[0]?.value).toBe('Bearer');
      expect(JSON.parse(result.body ?? '{}').error.code).toBe('UNAUTHORIZED');
    }
  });
});
