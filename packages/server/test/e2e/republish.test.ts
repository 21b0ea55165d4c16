/**
 * Re-publishing to fewer countries, seen through the HTTP API: the removed
 * country's viewers get 403 on the playback grant and the title leaves
 * their rails (New, My List) at once, cached pages included; the kept
 * country still plays; a re-publish
 * that dies between its steps shows the title in no country its record
 * does not list.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { type AwsClients, createCatalog, createPlatform, createPlaybackSigner, type Platform } from '@streamctl/sdk';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '../../src/index.js';

const target = inject('target');
const ISSUER = 'https://issuer.test';

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(`re-publishing (${target.kind})`, () => {
  let platform: Platform;
  let server: NodeServer;
  let token: (userId: string, country: string) => Promise<string>;
  const run = randomUUID().slice(0, 6);
  let viewers = 0;

  const call = async (method: string, path: string, bearer: string) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  /** A viewer in a country, new to the platform (no cached home page). */
  const viewer = async (country: string) => token(`viewer-${run}-${++viewers}`, country);
  /** The rails of a viewer's home page that show the title. */
  const railsWith = async (bearer: string, titleId: string) => {
    const home = await call('GET', '/v1/home', bearer);
    expect(home.status).toBe(200);
    const rails = home.json.rails as Array<{ id: string; items: Array<{ titleId: string }> }>;
    return rails.filter((r) => r.items.some((i) => i.titleId === titleId)).map((r) => r.id);
  };
  const grant = async (bearer: string, titleId: string) =>
    (await call('POST', `/v1/playback/${titleId}`, bearer)).status;
  const ingested = async (titleId: string) => {
    await platform.catalog.putTitle({
      titleId,
      name: `Republished ${titleId}`,
      genres: ['drama'],
      manifests: { hls: `titles/${titleId}/master.m3u8` },
    });
  };

  beforeAll(async () => {
    const config = await targetConfig(target);
    const jwtKeys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(jwtKeys.publicKey)), kid: 'test', alg: 'ES256' };
    token = (userId, country) =>
      new SignJWT({ country, plan: 'standard' })
        .setProtectedHeader({ alg: 'ES256', kid: 'test' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(jwtKeys.privateKey);
    const cf = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // One platform publishes and serves, as `streamctl dev` does. A generous time budget per home-page
    // source: this test is about which titles show, not how fast (a slow source would leave its rail out).
    platform = createPlatform(config, {
      homeBudgetMs: 5_000,
      verifyToken: createJwtVerifier({ jwks: { keys: [jwk] }, issuer: ISSUER }),
      playback: {
        signer: createPlaybackSigner({ keyPairId: 'KAPITEST00001', privateKey: cf.privateKey }),
        cdnBaseUrl: 'https://cdn.example.test',
      },
    });
    server = await serveNode(
      createHttpApp(platform, {
        rateLimits: { user: { perSecond: 10_000, burst: 10_000 }, ip: { perSecond: 10_000, burst: 10_000 } },
      }),
    );
  });
  afterAll(async () => {
    await server?.stop();
    platform?.close();
  });

  it('a country a re-publish leaves out gets 403 and loses the title from its rails; the kept one still plays', async () => {
    const titleId = `republish-${run}`;
    await ingested(titleId);
    await platform.publish.publish(titleId, { countries: ['US', 'GB'] });
    const gbBefore = await viewer('GB');
    await call('PUT', `/v1/watchlist/${titleId}`, gbBefore);
    expect(await grant(gbBefore, titleId)).toBe(200);
    expect(await railsWith(gbBefore, titleId)).toEqual(expect.arrayContaining(['new', 'my-list']));

    const outcome = await platform.publish.publish(titleId, { countries: ['US'] });
    expect(outcome.availability).toEqual({ countries: ['US'] });

    // The viewer who played it before is refused now and their (cached) page is rebuilt without it;
    // so is any other viewer in GB.
    expect(await grant(gbBefore, titleId)).toBe(403);
    expect(await railsWith(gbBefore, titleId)).toEqual([]);
    const gb = await viewer('GB');
    await call('PUT', `/v1/watchlist/${titleId}`, gb);
    expect(await grant(gb, titleId)).toBe(403);
    expect(await railsWith(gb, titleId)).toEqual([]);
    // The kept country still plays and browses it.
    const us = await viewer('US');
    expect(await grant(us, titleId)).toBe(200);
    expect(await railsWith(us, titleId)).toContain('new');
  });

  it('a re-publish that dies between its steps shows the title nowhere its record does not list', async () => {
    const titleId = `republish-dies-${run}`;
    await ingested(titleId);
    await platform.publish.publish(titleId, { countries: ['US', 'GB'] });
    // The publishing process dies once the title's record has landed, before the old countries go.
    let landed = false;
    const documents = platform.clients.documents();
    const dying: AwsClients = {
      ...platform.clients,
      documents: () =>
        ({
          send: async (command: object) => {
            if (landed) throw new Error('the publishing process died here');
            const out = await documents.send(command as never);
            // The record's conditional update (the document client's UpdateCommand).
            if (command.constructor.name === 'UpdateCommand') landed = true;
            return out;
          },
        }) as unknown as ReturnType<AwsClients['documents']>,
    };
    await expect(
      createCatalog(dying, platform.config.resources).publishTitle(titleId, { countries: ['FR'] }),
    ).rejects.toThrow('died');
    // The record lists FR only; GB's and US's projections are still in the table, and no viewer there sees the title.
    expect((await platform.catalog.getTitle(titleId)).availability).toEqual({ countries: ['FR'] });
    for (const country of ['US', 'GB']) {
      const bearer = await viewer(country);
      expect(await grant(bearer, titleId)).toBe(403);
      expect(await railsWith(bearer, titleId)).toEqual([]);
    }
    const fr = await viewer('FR');
    expect(await grant(fr, titleId)).toBe(200);
    expect(await railsWith(fr, titleId)).toContain('new');
  });
});
