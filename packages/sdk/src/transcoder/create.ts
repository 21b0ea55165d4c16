import type { AwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { createFfmpegTranscoder } from './ffmpeg.js';
import { createMediaConvertTranscoder } from './mediaconvert.js';
import type { Transcoder, TranscoderBackend } from './types.js';

/**
 * The transcoder of a stage: local ffmpeg on the embedded platform (and on
 * any stage that points at emulators), MediaConvert elsewhere, which needs
 * the MediaConvert role (`STREAMCTL_MEDIACONVERT_ROLE_ARN` or `media.mediaConvertRoleArn`).
 *
 * @example
 * ```ts
 * const platform = await loadPlatform();
 * const transcoder = createTranscoder(platform.config, platform.clients);
 * transcoder.backend; // "ffmpeg" on the local stage
 * ```
 */
export function createTranscoder(
  config: StreamctlConfig,
  clients: AwsClients,
  options: { backend?: TranscoderBackend } = {},
): Transcoder {
  const backend = options.backend ?? (config.stage === LOCAL_STAGE || config.endpoints?.s3 ? 'ffmpeg' : 'mediaconvert');
  if (backend === 'ffmpeg') {
    return createFfmpegTranscoder({
      s3: () => clients.s3(),
      ffmpegPath: config.media.ffmpegPath,
      ffprobePath: config.media.ffprobePath,
    });
  }
  const role = config.media.mediaConvertRoleArn;
  if (!role) {
    throw new ConfigError(`Stage ${config.stage} has no MediaConvert role to transcode with`, {
      hint: 'set STREAMCTL_MEDIACONVERT_ROLE_ARN, or media.mediaConvertRoleArn in streamctl.config.json (the CDK app outputs it)',
    });
  }
  return createMediaConvertTranscoder({
    client: () => clients.mediaconvert(),
    role,
    queue: config.media.mediaConvertQueueArn,
    stage: config.stage,
  });
}
