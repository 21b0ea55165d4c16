/**
 * The registry: every command `streamctl` has. Definition files are light;
 * each handler loads the SDK and other heavy modules only when it runs.
 */
import type { CommandDefinition, GroupDefinition } from '../context.js';
import { analyticsQuery } from './analytics/query.js';
import { dev } from './dev.js';
import { devicesList } from './devices/list.js';
import { devicesRemove } from './devices/remove.js';
import { eventsExample } from './events/example.js';
import { eventsPublish } from './events/publish.js';
import { eventsTail } from './events/tail.js';
import { failoverDrill } from './failover/drill.js';
import { failover } from './failover/run.js';
import { failoverStatus } from './failover/status.js';
import { ingest } from './ingest.js';
import { init } from './init.js';
import { keysList } from './keys/list.js';
import { keysRetire } from './keys/retire.js';
import { keysRotate } from './keys/rotate.js';
import { ladderList } from './ladder/list.js';
import { ladderRender } from './ladder/render.js';
import { ladderShow } from './ladder/show.js';
import { planCapacity } from './plan/capacity.js';
import { privacyConsent } from './privacy/consent.js';
import { privacyErase } from './privacy/erase.js';
import { privacyExport } from './privacy/export.js';
import { privacyStatus } from './privacy/status.js';
import { publish, unpublish } from './publish.js';
import { recs } from './recs.js';
import { reportEngagement } from './report/engagement.js';
import { reportQoe } from './report/qoe.js';
import { search } from './search.js';
import { sessionsList } from './sessions/list.js';
import { sessionsRevoke } from './sessions/revoke.js';
import { sign } from './sign.js';
import { status } from './status.js';
import { titlesDescribe } from './titles/describe.js';
import { titlesGet } from './titles/get.js';
import { titlesList } from './titles/list.js';
import { token } from './token.js';
import { usersSetCountry } from './users/set-country.js';
import { usersShow } from './users/show.js';
import { watchlistAdd } from './watchlist/add.js';
import { watchlistList } from './watchlist/list.js';
import { watchlistRemove } from './watchlist/remove.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: ReadonlyArray<CommandDefinition<never>> = [
  dev,
  status,
  init,
  ingest,
  publish,
  unpublish,
  titlesList,
  titlesGet,
  titlesDescribe,
  search,
  recs,
  usersShow,
  usersSetCountry,
  sessionsList,
  sessionsRevoke,
  devicesList,
  devicesRemove,
  watchlistList,
  watchlistAdd,
  watchlistRemove,
  privacyExport,
  privacyErase,
  privacyStatus,
  privacyConsent,
  failover,
  failoverStatus,
  failoverDrill,
  token,
  sign,
  keysList,
  keysRotate,
  keysRetire,
  ladderList,
  ladderShow,
  ladderRender,
  eventsPublish,
  eventsTail,
  eventsExample,
  analyticsQuery,
  reportQoe,
  reportEngagement,
  planCapacity,
];

/** The command groups: their description and examples, shown by `streamctl <group> --help`. */
export const GROUPS: ReadonlyArray<GroupDefinition> = [
  {
    name: 'titles',
    description: "look at the catalog: list titles by status, show one title, set a title's details",
    examples: [
      'streamctl titles list',
      'streamctl titles list --status FAILED --json',
      'streamctl titles get clip',
      'streamctl titles describe clip --cast "Ana Lune,Jo Brel"',
    ],
  },
  {
    name: 'ladder',
    description: 'transcode ladders: list the built-in ones, show one, render it for MediaConvert or ffmpeg',
    examples: [
      'streamctl ladder list',
      'streamctl ladder show premium-4k',
      'streamctl ladder render mobile --target ffmpeg --input clip.mp4 --output out',
    ],
  },
  {
    name: 'events',
    description: 'engagement events: print sample lines, publish them from an NDJSON file, follow the stream',
    examples: [
      'streamctl events example > events.ndjson',
      'streamctl events publish events.ndjson',
      'streamctl events tail --from-start --limit 10 --json',
    ],
  },
  {
    name: 'users',
    description:
      "look at an account (plan, devices, sessions, watchlist, continue watching, history); set a viewer's country",
    examples: [
      'streamctl users show alice',
      'streamctl users show alice --json',
      'streamctl users set-country alice GB',
    ],
  },
  {
    name: 'sessions',
    description: "an account's playback sessions: list the active ones, end one by id or all of them",
    examples: [
      'streamctl sessions list --user alice',
      'streamctl sessions revoke <sessionId>',
      'streamctl sessions revoke --user alice --all',
    ],
  },
  {
    name: 'devices',
    description: "an account's registered devices: list them, remove one (its sessions end with it)",
    examples: ['streamctl devices list --user alice', 'streamctl devices remove tv-1 --user alice'],
  },
  {
    name: 'watchlist',
    description: "an account's watchlist: list it a page at a time, add a title of the catalog, remove one",
    examples: [
      'streamctl watchlist list --user alice',
      'streamctl watchlist add --user alice clip',
      'streamctl watchlist remove --user alice clip',
    ],
  },
  {
    name: 'privacy',
    description:
      "a viewer's personal data: export all of it, erase it everywhere (verified and recorded), an erasure's status, consent",
    examples: [
      'streamctl privacy export alice --out alice-export.json',
      'streamctl privacy erase alice --yes',
      'streamctl privacy status <erasureId>',
      'streamctl privacy consent alice off',
    ],
  },
  {
    name: 'keys',
    description:
      'the CloudFront key pairs that sign playback: list them, rotate (publish, switch, hold the old key until its grants expire), retire',
    examples: ['streamctl keys list', 'streamctl keys rotate --yes', 'streamctl keys retire --stage prod --yes'],
  },
  {
    name: 'analytics',
    description: 'SQL over the analytics lake\'s "events" table: DuckDB over the local lake, Athena on AWS',
    examples: [
      'streamctl analytics query "select type, count(*) from events group by 1"',
      'streamctl analytics query "describe events" --json',
    ],
  },
  {
    name: 'report',
    description: 'reports from the lake: playback quality against its SLOs, and engagement; as a table or an HTML page',
    examples: [
      'streamctl report qoe --since 24h --by title',
      'streamctl report qoe --html qoe.html',
      'streamctl report engagement --since 7d --html engagement.html',
    ],
  },
  {
    name: 'plan',
    description: 'plan the platform before it runs: capacity and monthly cost for a viewer base, per Region',
    examples: [
      'streamctl plan capacity --viewers 30000000 --peak-concurrency 10000000 --events-per-viewer-minute 6 --regions us-east-1,eu-west-1,ap-northeast-1',
      'streamctl plan capacity --viewers 1000000 --peak-concurrency 250000 --events-per-viewer-minute 6 --regions us-east-1 --json',
    ],
  },
];
