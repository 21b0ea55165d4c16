/**
 * The emulators behind the embedded platform, run in-process on loopback:
 * dynalite (DynamoDB, LevelDB on disk), kinesalite (Kinesis, LevelDB on disk)
 * and s3rver (S3, plain files on disk).
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);

/** A running emulator. */
export interface RunningEmulator {
  url: string;
  port: number;
  stop(): Promise<void>;
}

type LevelServerFactory = (options: Record<string, unknown>) => Server;

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive sockets of our own clients would hold close() open.
    server.closeAllConnections();
  });
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts dynalite with its tables stored under `path`. */
export async function startDynalite(path: string, host: string, port = 0): Promise<RunningEmulator> {
  const dynalite = require('dynalite') as LevelServerFactory;
  // Table state changes are instant locally; DynamoDB takes seconds, which only slows dev loops.
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const bound = await listen(server, host, port);
  return { url: urlOf(host, bound), port: bound, stop: () => closeServer(server) };
}

/** Starts kinesalite with its streams stored under `path`. */
export async function startKinesalite(path: string, host: string, port = 0): Promise<RunningEmulator> {
  const kinesalite = require('kinesalite') as LevelServerFactory;
  const server = kinesalite({ path, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  const bound = await listen(server, host, port);
  return { url: urlOf(host, bound), port: bound, stop: () => closeServer(server) };
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  off(event: 'event', listener: (event: S3rverEvent) => void): void;
}

/** The S3 event notification s3rver emits for each object written or removed. */
interface S3rverEvent {
  Records: Array<{
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; eTag?: string } };
  }>;
}

/** An object written or removed in the local store, as an S3 event notification says it. */
export interface ObjectEvent {
  bucket: string;
  key: string;
  kind: 'created' | 'removed';
  eTag?: string;
}

/** The local S3: an emulator that also tells in-process listeners about every object change. */
export interface RunningObjectStore extends RunningEmulator {
  /** Calls the listener for each object change (S3 event notifications); returns its removal. */
  onObjectEvent(listener: (event: ObjectEvent) => void): () => void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** Starts s3rver with its buckets stored as files under `directory`. */
export async function startS3rver(directory: string, host: string, port = 0): Promise<RunningObjectStore> {
  const S3rver = require('s3rver') as S3rverConstructor;
  const server = new S3rver({ address: host, port, directory, silent: true, resetOnClose: false });
  const info = await server.run();
  return {
    url: urlOf(host, info.port),
    port: info.port,
    stop: () => server.close(),
    onObjectEvent(listener) {
      const relay = (event: S3rverEvent) => {
        for (const record of event.Records) {
          const kind = record.eventName.startsWith('ObjectRemoved') ? 'removed' : 'created';
          const { name } = record.s3.bucket;
          const { key, eTag } = record.s3.object;
          listener({ bucket: name, key, kind, ...(eTag ? { eTag } : {}) });
        }
      };
      server.on('event', relay);
      return () => server.off('event', relay);
    },
  };
}
