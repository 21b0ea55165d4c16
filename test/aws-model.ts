/**
 * Checks requests built for services without an emulator (MediaConvert,
 * CloudFront) against the AWS SDK client's own model.
 */
/** A schema of an AWS SDK v3 client (`CreateJobRequest$` and the like): a static tuple, a thunk or a number. */
export type Schema = unknown;

/**
 * Walks a value against the client's own schema: every key a member, every scalar of its type.
 * The v3 clients export their service model as such schemas; a request that
 * fits them is one the service's own serializer accepts field for field.
 */
export function checkAgainstModel(value: unknown, schema: Schema, path: string, problems: string[]): void {
  const resolved = typeof schema === 'function' ? (schema as () => Schema)() : schema;
  if (typeof resolved === 'number') {
    const base = resolved & 63;
    if (resolved & 64) {
      if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
      else
        value.forEach((v, i) => {
          checkAgainstModel(v, base, `${path}[${i}]`, problems);
        });
      return;
    }
    if (resolved & 128) {
      if (typeof value !== 'object' || value === null) problems.push(`${path}: expected a map`);
      else for (const [k, v] of Object.entries(value)) checkAgainstModel(v, base, `${path}.${k}`, problems);
      return;
    }
    const expected = { 0: 'string', 1: 'number', 2: 'boolean' }[base as 0 | 1 | 2];
    if (expected && typeof value !== expected) problems.push(`${path}: expected ${expected}, got ${typeof value}`);
    return;
  }
  const s = resolved as unknown[];
  if (s[0] === 3) {
    const names = s[4] as string[];
    const members = s[5] as Schema[];
    if (typeof value !== 'object' || value === null) {
      problems.push(`${path}: expected a structure ${String(s[2])}`);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      const i = names.indexOf(key);
      if (i < 0) problems.push(`${path}.${key}: not a member of ${String(s[2])}`);
      else checkAgainstModel(v, memberSchema(members[i]), `${path}.${key}`, problems);
    }
  } else if (s[0] === 1) {
    if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
    else
      value.forEach((v, i) => {
        checkAgainstModel(v, memberSchema(s[4]), `${path}[${i}]`, problems);
      });
  } else if (s[0] === 2) {
    if (typeof value !== 'object' || value === null) problems.push(`${path}: expected a map`);
    else for (const [k, v] of Object.entries(value)) checkAgainstModel(v, memberSchema(s[5]), `${path}.${k}`, problems);
  }
}

/** A member is either a bare schema (a number or a thunk) or a `[schema, traits]` pair. */
function memberSchema(member: Schema): Schema {
  return Array.isArray(member) ? member[0] : member;
}

/** All problems of a request against a schema; an empty list means it fits. */
export function modelProblems(value: unknown, schema: Schema): string[] {
  const problems: string[] = [];
  checkAgainstModel(value, schema, '', problems);
  return problems;
}
