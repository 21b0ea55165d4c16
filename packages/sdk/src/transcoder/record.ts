/**
 * What the catalog records of a finished transcode, and the same record as
 * a MediaConvert job carries it for the CDK app's job-ended workflow.
 *
 * @module
 */
import { type RenditionsUpdate, renditionItem } from '../catalog/index.js';
import { titleObjectKey } from '../resources/index.js';
import type { TranscodeOutputs } from './types.js';

/**
 * A transcode's outputs as the catalog records them (`Catalog.setRenditions`):
 * the paths the transcoder reports, relative to the title's prefix, become CDN
 * bucket keys; the protection keeps its scheme only (key ids stay with the keys).
 *
 * @example
 * ```ts
 * titleRecord('t1', outputs).manifests.hls; // "titles/t1/cmaf/master.m3u8"
 * ```
 */
export function titleRecord(titleId: string, outputs: TranscodeOutputs): RenditionsUpdate {
  const key = (relative: string) => titleObjectKey(titleId, relative);
  return {
    renditions: outputs.renditions.map((r) => ({ ...r, playlist: key(r.playlist) })),
    manifests: {
      hls: key(outputs.hls),
      ...(outputs.dash ? { dash: key(outputs.dash) } : {}),
    },
    images: {
      ...(outputs.poster ? { poster: key(outputs.poster) } : {}),
      ...(outputs.thumbnails ? { thumbnails: key(outputs.thumbnails) } : {}),
      ...(outputs.thumbnailTrack ? { thumbnailTrack: key(outputs.thumbnailTrack) } : {}),
    },
    ...(outputs.tracks
      ? {
          tracks: {
            audio: outputs.tracks.audio.map((t) => ({ ...t, playlist: key(t.playlist) })),
            captions: outputs.tracks.captions.map((t) => ({ ...t, playlist: key(t.playlist) })),
          },
        }
      : {}),
    ...(outputs.protection ? { protection: { scheme: outputs.protection.scheme } } : {}),
  };
}

/**
 * The `UserMetadata` key of a MediaConvert job under which the job carries
 * the title attributes its end records ({@link jobRecordMetadata}).
 *
 * @example
 * ```ts
 * JSON.parse(job.UserMetadata[JOB_RECORD_KEY]).manifests; // { M: { hls: { S: "titles/t1/cmaf/master.m3u8" } } }
 * ```
 */
export const JOB_RECORD_KEY = 'record';

/** A JSON value in DynamoDB's attribute-value form (`{ S: "…" }`, `{ M: { … } }`). */
type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

function attributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(attributeValue) };
  if (value && typeof value === 'object') {
    return {
      M: Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, attributeValue(v)]),
      ),
    };
  }
  throw new TypeError(`No DynamoDB attribute value for ${String(value)}`);
}

/**
 * What the end of a job records with READY, as its `UserMetadata[JOB_RECORD_KEY]`:
 * a JSON object in DynamoDB's attribute-value form of the title's `manifests`,
 * `images` and `tracks` (the values `Catalog.setRenditions` writes for the same
 * record: no images, `{}`; no tracks, none of either kind) and `renditions`, the
 * catalog items of the renditions (`renditionItem`), with the ladder's sizes,
 * and `keep`, their sort keys as plain strings (the title's other renditions go).
 * The CDK app's job-ended workflow parses it (`States.StringToJson`) and writes
 * it as it is, so it needs neither the ladder nor the tracks at synth, and
 * records what this very job writes whatever ladder `ingest --ladder` chose.
 * The protection is the job's `UserMetadata.protection`.
 *
 * @example
 * ```ts
 * request.UserMetadata[JOB_RECORD_KEY] = jobRecordMetadata('t1', titleRecord('t1', outputs));
 * ```
 */
export function jobRecordMetadata(titleId: string, record: RenditionsUpdate): string {
  const items = record.renditions.map((r) => renditionItem(titleId, r));
  return JSON.stringify({
    manifests: attributeValue(record.manifests),
    images: attributeValue(record.images ?? {}),
    tracks: attributeValue(record.tracks ?? { audio: [], captions: [] }),
    renditions: attributeValue(items),
    // The sort keys of those items, plain: the workflow keeps these and removes the title's other renditions.
    keep: items.map((item) => String(item.SK)),
  });
}
