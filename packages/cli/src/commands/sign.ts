import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';

interface SignOptions {
  keyPairId?: string;
  privateKey?: string;
  expiresIn?: string;
  expiresAt?: string;
  startsAt?: string;
  ip?: string;
  resource?: string;
  cookies?: boolean;
}

/** `streamctl sign`: a CloudFront signed URL or signed cookies. */
export const sign = defineCommand<SignOptions>({
  name: 'sign',
  description: 'sign a URL (or make signed cookies) for CloudFront or the local edge',
  arguments: [
    {
      name: 'url',
      description: 'the URL to sign, e.g. https://d111.cloudfront.net/titles/t1/master.m3u8',
      required: true,
    },
  ],
  options: [
    {
      flags: '--key-pair-id <id>',
      description: "public key ID in the key group (default: the stage's active key, from `streamctl keys`)",
    },
    { flags: '--private-key <file>', description: "PEM file of the private key (default: the stage's active key)" },
    { flags: '--expires-in <duration>', description: 'valid for this long, e.g. 15m, 6h' },
    { flags: '--expires-at <iso>', description: 'valid until this time, e.g. 2026-12-01T00:00:00Z' },
    { flags: '--starts-at <iso>', description: 'not valid before this time (custom policy)' },
    { flags: '--ip <cidr>', description: 'only for viewers in this IPv4 range (custom policy)' },
    {
      flags: '--resource <pattern>',
      description: 'policy resource with * and ? wildcards, e.g. https://host/titles/t1/*',
    },
    { flags: '--cookies', description: 'print signed cookies instead of a URL' },
  ],
  examples: [
    'streamctl sign https://d111.cloudfront.net/titles/t1/master.m3u8 --key-pair-id K2JCJMDEHXQW5F --private-key pk.pem --expires-in 6h',
    "streamctl sign https://d111.cloudfront.net/titles/t1/master.m3u8 --key-pair-id K2JCJMDEHXQW5F --private-key pk.pem --expires-in 6h --resource 'https://d111.cloudfront.net/titles/t1/*' --cookies --json",
    'streamctl sign http://127.0.0.1:4510/titles/t1/master.m3u8 --stage local --expires-in 1h',
  ],
  async handler(ctx, args, options) {
    const url = args[0] as string;
    const sdk = await import('@streamctl/sdk');
    if (options.expiresIn && options.expiresAt) {
      throw new UsageError('--expires-in and --expires-at are exclusive', 'pass one of them');
    }
    let expiresAt: Date;
    if (options.expiresIn) {
      let seconds: number;
      try {
        seconds = sdk.parseDuration(options.expiresIn, '--expires-in');
      } catch (err) {
        throw new UsageError((err as Error).message, 'e.g. --expires-in 6h');
      }
      expiresAt = new Date(Date.now() + seconds * 1000);
    } else if (options.expiresAt) {
      expiresAt = parseTime(options.expiresAt, '--expires-at');
      if (expiresAt.getTime() <= Date.now()) {
        throw new UsageError(
          `--expires-at ${options.expiresAt} is in the past`,
          'pass a future time or use --expires-in',
        );
      }
    } else {
      throw new UsageError('an expiry is required', 'pass --expires-in DURATION or --expires-at ISO');
    }
    const startsAt = options.startsAt ? parseTime(options.startsAt, '--starts-at') : undefined;

    const { keyPairId, privateKey } = await loadKey(ctx, options);
    let signer: import('@streamctl/sdk').PlaybackSigner;
    try {
      signer = sdk.createPlaybackSigner({ keyPairId, privateKey });
    } catch (err) {
      throw new UsageError((err as Error).message, (err as { hint?: string }).hint ?? 'check --private-key');
    }
    const signOptions = { expiresAt, startsAt, ipRange: options.ip, resource: options.resource };
    try {
      if (options.cookies) {
        const cookies = signer.signCookies(url, signOptions);
        if (ctx.globals.json) ctx.json({ cookies });
        else
          ctx.print(
            Object.entries(cookies)
              .map(([name, value]) => `${name}=${value}`)
              .join('\n'),
          );
      } else {
        const signed = signer.signUrl(url, signOptions);
        if (ctx.globals.json) ctx.json({ url: signed });
        else ctx.print(signed);
      }
    } catch (err) {
      if (sdk.isStreamctlError(err) && err.code === sdk.ErrorCode.ValidationFailed) {
        throw new UsageError(err.message, 'fix the named value');
      }
      throw err;
    }
  },
});

function parseTime(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(`invalid ${flag} "${value}"`, 'use an ISO 8601 time such as 2026-12-01T00:00:00Z');
  }
  return date;
}

async function loadKey(
  ctx: import('../context.js').CommandContext,
  options: SignOptions,
): Promise<{ keyPairId: string; privateKey: string }> {
  if (options.keyPairId && options.privateKey) {
    const { readFile } = await import('node:fs/promises');
    try {
      return { keyPairId: options.keyPairId, privateKey: await readFile(options.privateKey, 'utf8') };
    } catch (err) {
      throw new UsageError(
        `cannot read --private-key ${options.privateKey}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'pass the path of the PEM file',
      );
    }
  }
  if (options.keyPairId || options.privateKey) {
    throw new UsageError('--key-pair-id and --private-key go together', 'pass both');
  }
  const config = await ctx.config();
  if (config.stage !== 'local') {
    // The stage's active key, from the key set `streamctl keys` keeps in Secrets Manager.
    const { activeSigningKey, createStageKeys } = await import('@streamctl/sdk/keys');
    const keys = createStageKeys(config);
    try {
      const set = await keys.backend.read();
      if (!set) {
        throw new UsageError(
          `stage ${config.stage} has no signing keys in ${keys.backend.location}`,
          `run \`streamctl keys rotate --stage ${config.stage} --yes\` first, or pass --key-pair-id and --private-key`,
        );
      }
      const active = activeSigningKey(set);
      return { keyPairId: active.keyPairId, privateKey: active.privateKey };
    } finally {
      keys.close();
    }
  }
  const { ensureEdgeKeyPair } = await import('@streamctl/local');
  const pair = ensureEdgeKeyPair(config.dataDir);
  return { keyPairId: pair.keyPairId, privateKey: pair.privateKeyPem };
}
