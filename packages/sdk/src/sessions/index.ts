/**
 * Plans, devices and playback sessions: how many streams an account plays
 * at once, on which devices, and sessions that end when their heartbeats
 * stop.
 *
 * @module
 */
export { DEVICE_KINDS, DeviceInputSchema, SessionIdSchema } from '../contract/index.js';
export { playbackCacheKey, withRedisSessions } from './redis.js';
export {
  createDynamoPlayback,
  createSessions,
  type Device,
  type DeviceInput,
  type DeviceKind,
  type DeviceRegistry,
  type PlaybackSession,
  type Sessions,
  sessionOwner,
  UNNAMED_DEVICE,
} from './store.js';
