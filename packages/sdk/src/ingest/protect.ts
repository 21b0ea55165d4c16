import type { StreamctlConfig } from '../config/index.js';
import { ConfigError, ValidationError } from '../errors/index.js';
import type { Ladder, ProtectionScheme } from '../ladders/index.js';
import { type ContentKeys, keyPath } from '../protection/index.js';
import type { SpekeSettings, TranscodeProtection, TranscoderBackend } from '../transcoder/index.js';

/** The stage's SPEKE key provider for a title, when the configuration names one. */
function spekeFor(config: StreamctlConfig, titleId: string): SpekeSettings | undefined {
  const { spekeUrl, spekeRoleArn, spekeCertificateArn } = config.protection;
  if (!spekeUrl) return undefined;
  if (!spekeRoleArn) {
    throw new ConfigError('protection.spekeUrl is set without protection.spekeRoleArn', {
      hint: 'set protection.spekeRoleArn (STREAMCTL_PROTECTION_SPEKE_ROLE_ARN): the role MediaConvert assumes to call the key provider',
    });
  }
  return {
    url: spekeUrl,
    roleArn: spekeRoleArn,
    resourceId: titleId,
    ...(spekeCertificateArn ? { certificateArn: spekeCertificateArn } : {}),
  };
}

/**
 * Checks that a protection scheme can run on this stage and backend, before
 * anything is uploaded: `drm` needs MediaConvert and a SPEKE key provider.
 * Throws `VALIDATION_FAILED` or `CONFIG_INVALID` naming the fix.
 */
export function assertProtectionPossible(
  config: StreamctlConfig,
  scheme: ProtectionScheme,
  backend: TranscoderBackend,
): void {
  if (scheme !== 'drm') return;
  if (backend !== 'mediaconvert') {
    throw new ValidationError(
      'DRM needs MediaConvert (an AWS stage): the local ffmpeg transcoder encrypts with aes-128 only',
      [{ path: 'protection', message: 'drm is not available with the ffmpeg transcoder; use aes-128' }],
    );
  }
  if (!spekeFor(config, 'check')) {
    throw new ConfigError('DRM needs a SPEKE v2 key provider, and the stage names none', {
      hint: 'set protection.spekeUrl and protection.spekeRoleArn (STREAMCTL_PROTECTION_SPEKE_URL, STREAMCTL_PROTECTION_SPEKE_ROLE_ARN); see docs/content-protection.md',
    });
  }
}

/**
 * What the transcoder is told to do for a title's protection: for `aes-128`
 * keys issued from the key store as the transcoder asks for them (named by
 * their key route path), rotated as the ladder says, or the stage's SPEKE
 * key provider on MediaConvert when one is configured; for `drm` the SPEKE
 * key provider. Undefined for `none`.
 */
export function transcodeProtection(
  config: StreamctlConfig,
  input: {
    scheme: ProtectionScheme;
    titleId: string;
    ladder: Ladder;
    backend: TranscoderBackend;
    keys: () => ContentKeys;
  },
): TranscodeProtection | undefined {
  const { scheme, titleId } = input;
  if (scheme === 'none') return undefined;
  assertProtectionPossible(config, scheme, input.backend);
  const speke = input.backend === 'mediaconvert' ? spekeFor(config, titleId) : undefined;
  if (scheme === 'drm') return { scheme, speke: speke as SpekeSettings };
  return {
    scheme,
    nextKey: () => input.keys().issue(titleId),
    keyUri: (keyId) => keyPath(titleId, keyId),
    rotateEverySegments: input.ladder.keyRotationSegments,
    ...(speke ? { speke } : {}),
  };
}
