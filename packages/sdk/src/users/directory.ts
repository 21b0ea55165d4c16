/**
 * The user directory: where a viewer's country is kept, so that the tokens
 * the viewer gets carry it. On AWS it is the stage's Cognito user pool
 * (`custom:country`, which the app client does not let viewers write: only
 * admins and triggers may); locally it is a file in the data dir that
 * `streamctl token --user U` reads when no `--country` is given.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { clientSettings } from '../aws/clients.js';
import { type EnvVarName, LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { ConfigError, NotFoundError, ValidationError, wrapAwsError } from '../errors/index.js';
import { CountrySchema, IdSchema } from './ids.js';

/** The user-pool attribute the server reads a viewer's country from (see `viewerFromClaims`). */
export const COUNTRY_ATTRIBUTE = 'custom:country';

/** The environment variable naming the stage's user pool (the CDK app's `UserPoolId` output). */
export const USER_POOL_ID_ENV = 'STREAMCTL_USER_POOL_ID' satisfies EnvVarName;

/** What {@link UserDirectory.setCountry} changed. */
export interface CountryChange {
  userId: string;
  /** The country now set (ISO 3166-1 alpha-2, upper case). */
  country: string;
  /** The country set before; null when the viewer had none. */
  previous: string | null;
  /** Which directory holds it: the stage's user pool, or the data dir's file. */
  directory: 'cognito' | 'local';
  /** The user pool id (`cognito`) or the file (`local`). */
  location: string;
}

/** Where viewers' countries are kept for a stage. */
export interface UserDirectory {
  readonly kind: 'cognito' | 'local';
  /** The user pool id (`cognito`) or the file (`local`). */
  readonly location: string;
  /** The viewer's country; undefined when the directory has none for them. */
  country(userId: string): Promise<string | undefined>;
  /** Sets the viewer's country; tokens issued from now on carry it (tokens issued before keep theirs until they expire). */
  setCountry(userId: string, country: string): Promise<CountryChange>;
  /** Closes the client's sockets (a client passed in is left open). */
  close(): void;
}

/** Checks a user id and a country with the API's own rules; the country comes back upper-cased. */
function checked(userId: string, country: string): { userId: string; country: string } {
  const user = IdSchema.safeParse(userId);
  if (!user.success) throw ValidationError.fromZod('user id', user.error);
  const cc = CountrySchema.safeParse(country);
  if (!cc.success) throw ValidationError.fromZod('country', cc.error);
  return { userId: user.data, country: cc.data };
}

/** Options of {@link createCognitoDirectory}. */
export interface CognitoDirectoryOptions {
  /** The stage's user pool (`<region>_<id>`). */
  userPoolId: string;
  client: CognitoIdentityProviderClient;
  /** Whether {@link UserDirectory.close} destroys the client. Default false: the caller owns it. */
  ownsClient?: boolean;
}

/**
 * The stage's Cognito user pool as the user directory. A user is named by the `sub` of their
 * tokens (the user id the API and every other command use); in a pool whose users sign in by
 * email, as the CDK app's does, the user name is that `sub`.
 *
 * @example
 * ```ts
 * const directory = createCognitoDirectory({ userPoolId: 'eu-west-1_AbC123', client: new CognitoIdentityProviderClient({}) });
 * await directory.setCountry('3f1c2b7e-5a9d-4c1e-9b2f-7d4e8a6c0b15', 'FR');
 * ```
 */
export function createCognitoDirectory(options: CognitoDirectoryOptions): UserDirectory {
  const { userPoolId, client } = options;
  const read = async (userId: string): Promise<string | null> => {
    try {
      const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: userId }));
      return user.UserAttributes?.find((a) => a.Name === COUNTRY_ATTRIBUTE)?.Value ?? null;
    } catch (err) {
      if ((err as Error).name === 'UserNotFoundException')
        throw new NotFoundError(`No user ${userId} in the user pool ${userPoolId}`, {
          cause: err,
          hint: "name the user by the sub of their tokens (the user id the API shows), and check the stage's pool id",
        });
      throw wrapAwsError(err, 'cognito-idp:AdminGetUser', `user ${userId} in ${userPoolId}`);
    }
  };
  return {
    kind: 'cognito',
    location: userPoolId,
    async country(userId) {
      return (await read(userId)) ?? undefined;
    },
    async setCountry(userId, country) {
      const input = checked(userId, country);
      // Read first: an unknown user is a clear "not found" (the emulator answers AdminUpdateUserAttributes
      // for one with NotAuthorized), and the operator sees what changed.
      const previous = await read(input.userId);
      try {
        await client.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: userPoolId,
            Username: input.userId,
            UserAttributes: [{ Name: COUNTRY_ATTRIBUTE, Value: input.country }],
          }),
        );
      } catch (err) {
        throw wrapAwsError(err, 'cognito-idp:AdminUpdateUserAttributes', `user ${input.userId} in ${userPoolId}`);
      }
      return { ...input, previous, directory: 'cognito', location: userPoolId };
    },
    close() {
      if (options.ownsClient) client.destroy();
    },
  };
}

/** What the local directory file holds. */
interface LocalDirectoryFile {
  version: 1;
  users: Record<string, { country: string; updatedAt: string }>;
}

/**
 * The local user directory's file in a data dir.
 *
 * @example
 * ```ts
 * localDirectoryFile('.streamctl/local'); // ".streamctl/local/users.json"
 * ```
 */
export function localDirectoryFile(dataDir: string): string {
  return join(dataDir, 'users.json');
}

function readLocal(file: string): LocalDirectoryFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, users: {} };
    throw err;
  }
  let parsed: Partial<LocalDirectoryFile> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<LocalDirectoryFile>;
  } catch {}
  if (parsed?.version !== 1 || typeof parsed.users !== 'object' || parsed.users === null)
    throw new ConfigError(`The local user directory ${file} is not one streamctl wrote`, {
      hint: `remove it and set the countries again with \`streamctl users set-country <user> <CC>\``,
    });
  return parsed as LocalDirectoryFile;
}

/**
 * The local stage's user directory: a JSON file in the data dir.
 *
 * @example
 * ```ts
 * const directory = createLocalDirectory('.streamctl/local');
 * await directory.setCountry('alice', 'FR');
 * await directory.country('alice'); // "FR"
 * ```
 */
export function createLocalDirectory(dataDir: string): UserDirectory {
  const file = localDirectoryFile(dataDir);
  return {
    kind: 'local',
    location: file,
    async country(userId) {
      return readLocal(file).users[userId]?.country;
    },
    async setCountry(userId, country) {
      const input = checked(userId, country);
      const current = readLocal(file);
      const previous = current.users[input.userId]?.country ?? null;
      const next: LocalDirectoryFile = {
        version: 1,
        users: { ...current.users, [input.userId]: { country: input.country, updatedAt: new Date().toISOString() } },
      };
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Write then rename: a reader never sees half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
      renameSync(tmp, file);
      return { ...input, previous, directory: 'local', location: file };
    },
    close() {},
  };
}

/** Options of {@link createUserDirectory}. */
export interface UserDirectoryOptions {
  /** The stage's user pool; default `STREAMCTL_USER_POOL_ID` from `env`. */
  userPoolId?: string;
  /** Where `STREAMCTL_USER_POOL_ID` is read. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * The user pool id from the environment (`STREAMCTL_USER_POOL_ID`), when set.
 *
 * @example
 * ```ts
 * userPoolIdFromEnv({ STREAMCTL_USER_POOL_ID: 'eu-west-1_AbC123' }); // "eu-west-1_AbC123"
 * ```
 */
export function userPoolIdFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  return env[USER_POOL_ID_ENV] || undefined;
}

/** A pool id names its Region (`eu-west-1_AbC123`); an emulator's (`local_…`) does not. */
const POOL_REGION = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2})_[0-9A-Za-z]+$/;

/**
 * The user directory of a stage: the data dir's file on the local stage, the stage's Cognito
 * user pool elsewhere (`STREAMCTL_USER_POOL_ID`, the api stack's `UserPoolId` output).
 *
 * @example
 * ```ts
 * const directory = createUserDirectory(await resolveConfig({ flags: { stage: 'prod' } }));
 * await directory.setCountry(userId, 'DE');
 * ```
 */
export function createUserDirectory(config: StreamctlConfig, options: UserDirectoryOptions = {}): UserDirectory {
  if (config.stage === LOCAL_STAGE) return createLocalDirectory(config.dataDir);
  const userPoolId = options.userPoolId ?? userPoolIdFromEnv(options.env);
  if (!userPoolId)
    throw new ConfigError(`The stage "${config.stage}" has no user pool configured`, {
      hint: `set ${USER_POOL_ID_ENV} to the api stack's UserPoolId output (aws cloudformation describe-stacks --query "Stacks[].Outputs[?OutputKey=='UserPoolId'].OutputValue")`,
    });
  // Cognito has no part in the embedded platform: AWS, or the one endpoint override, as MediaConvert.
  const settings = clientSettings(config, 'mediaconvert');
  // A pool lives in the Region its id names, whatever the stage's home Region.
  const region = POOL_REGION.exec(userPoolId)?.[1] ?? config.region;
  const client = new CognitoIdentityProviderClient({ ...settings, region });
  return createCognitoDirectory({ userPoolId, client, ownsClient: true });
}
