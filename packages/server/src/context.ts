/**
 * What the routes of the HTTP app share: the platform's use cases they call,
 * the request variables the middleware sets, and the app's type.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Platform, Viewer } from '@streamctl/sdk';
import { ValidationError } from '@streamctl/sdk/errors';

/** The use cases the HTTP API calls: a `Platform` has them all. */
export type HttpPlatform = Pick<
  Platform,
  | 'health'
  | 'authenticate'
  | 'home'
  | 'titles'
  | 'search'
  | 'lists'
  | 'playback'
  | 'sessions'
  | 'events'
  | 'privacy'
  | 'protection'
>;

/** Request variables: the viewer (on `/v1/*`) and the request id. */
export type Env = {
  Variables: {
    viewer: Viewer;
    requestId: string;
    /**
     * True when the request came through the stage's edge (CloudFront, or the local edge), which
     * proved it with the origin secret: the page, the API and the media share one origin.
     */
    viaEdge?: boolean;
  };
};

/** The app's type. */
export type HttpApp = OpenAPIHono<Env>;

/**
 * The hook every route's validation uses: bad input becomes the SDK's
 * `ValidationError` (a 400 in the one error shape), naming the bad field.
 */
export const validationHook = (
  result:
    | { success: true }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
        target: string;
      },
): void => {
  if (!result.success) {
    const what = result.target === 'param' ? 'path' : result.target === 'json' ? 'body' : result.target;
    throw ValidationError.fromZod(what, result.error);
  }
};
