/**
 * The registry: every command `streamctl` has. Definition files are light;
 * each handler loads the SDK and other heavy modules only when it runs.
 */
import type { CommandDefinition, GroupDefinition } from '../context.js';
import { dev } from './dev.js';
import { eventsExample } from './events/example.js';
import { eventsPublish } from './events/publish.js';
import { eventsTail } from './events/tail.js';
import { failoverDrill } from './failover/drill.js';
import { failover } from './failover/run.js';
import { failoverStatus } from './failover/status.js';
import { ingest } from './ingest.js';
import { init } from './init.js';
import { ladderList } from './ladder/list.js';
import { ladderRender } from './ladder/render.js';
import { ladderShow } from './ladder/show.js';
import { publish, unpublish } from './publish.js';
import { recs } from './recs.js';
import { search } from './search.js';
import { sign } from './sign.js';
import { status } from './status.js';
import { titlesDescribe } from './titles/describe.js';
import { titlesGet } from './titles/get.js';
import { titlesList } from './titles/list.js';
import { token } from './token.js';

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
  failover,
  failoverStatus,
  failoverDrill,
  token,
  sign,
  ladderList,
  ladderShow,
  ladderRender,
  eventsPublish,
  eventsTail,
  eventsExample,
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
];
