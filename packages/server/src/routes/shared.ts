/** Pieces every route definition uses: JSON content, the error answers, security. */
import { z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@streamctl/sdk/contract';

/** A JSON body of a schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** Routes that take no query parameters refuse any. */
export const NoQuery = z.object({}).strict();

const error = (description: string) => ({ description, content: json(ErrorBodySchema) });

/** The error answers of every `/v1/*` route. */
export const viewerErrors = {
  400: error('bad input'),
  401: error('missing or invalid token'),
  403: error('not entitled'),
  404: error('unknown (or not visible to the viewer)'),
  413: error('body too large'),
  429: error('rate limited; see Retry-After'),
} as const;

/** Bearer-token routes. */
export const secured = { security: [{ bearer: [] }] };
