/**
 * Runs the Step Functions definitions and EventBridge rules the CDK app
 * synthesizes, for the workflow tests: definitions are taken from the
 * template (tokens resolved to test values), validated with `asl-validator`,
 * and executed by a small interpreter of the Amazon States Language.
 *
 * The interpreter supports what the app's definitions use and nothing more:
 * Pass, Choice, Task, Map (inline, run item by item), Succeed and Fail
 * states; InputPath, Parameters, ItemsPath, ItemSelector,
 * ResultSelector, ResultPath and OutputPath; the context object (`$$`);
 * `States.Format`, `States.StringToJson` and `States.ArrayContains`; Choice
 * rules StringEquals, BooleanEquals and IsPresent (And, Or, Not); Retry and
 * Catch. Task states call DynamoDB for real (`updateItem`, `putItem`,
 * `getItem`, `deleteItem`, errors named `DynamoDB.<exception>` as Step
 * Functions names them; the AWS SDK integration's `query`, errors
 * `DynamoDb.<exception>`) and
 * record SNS publishes after checking their parameters. Anything else (a
 * Parallel or Wait state, a distributed Map, another intrinsic, a JSONPath
 * filter, an unknown field) throws an
 * {@link UnsupportedAslError}: an unsupported construct fails the test.
 *
 * EventBridge patterns are matched with exact values, `prefix`, `exists`
 * and nested objects; another operator throws as well.
 */
import { createRequire } from 'node:module';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);

/** A construct the interpreter (or the pattern matcher) does not implement. */
export class UnsupportedAslError extends Error {
  override name = 'UnsupportedAslError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A CloudFormation template as `Template.toJSON()` gives it. */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

// ---------------------------------------------------------------------------
// Definitions and rules from a template

/**
 * Resolves the intrinsic functions of a template value to strings: `Fn::Join`
 * and `Ref`/`Fn::GetAtt` through `refs` (logical id, or `id.Attribute`, or a
 * pseudo parameter such as `AWS::Partition`). An unknown reference throws.
 */
export function resolveTokens(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, args] = entries[0] as [string, unknown];
      if (fn === 'Fn::Join') {
        const [sep, parts] = args as [string, unknown[]];
        return parts.map((p) => resolveTokens(p, refs)).join(sep);
      }
      if (fn === 'Ref' || fn === 'Fn::GetAtt') {
        const name = fn === 'Ref' ? String(args) : (args as string[]).join('.');
        const resolved = refs[name];
        if (resolved === undefined) throw new UnsupportedAslError(`No test value for ${fn} ${name}`);
        return resolved;
      }
    }
  }
  throw new UnsupportedAslError(`Cannot resolve template value ${JSON.stringify(value)}`);
}

/** Every state machine of a template, by logical id, with its definition parsed. */
export function stateMachines(template: TemplateJson, refs: Record<string, string>): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    out[id] = JSON.parse(resolveTokens(resource.Properties?.DefinitionString, refs)) as JsonObject;
  }
  return out;
}

/** An EventBridge rule of a template: its pattern and the logical ids of the state machines it starts. */
export interface RuleOfTemplate {
  id: string;
  pattern: JsonObject;
  stateMachines: string[];
}

/** Every EventBridge rule of a template with its pattern and state machine targets. */
export function eventRules(template: TemplateJson): RuleOfTemplate[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .map(([id, r]) => {
      const targets = (r.Properties?.Targets ?? []) as Array<{ Arn: unknown }>;
      return {
        id,
        pattern: r.Properties?.EventPattern as JsonObject,
        stateMachines: targets.map((t) => {
          const ref = (t.Arn as { Ref?: string }).Ref;
          if (!ref || template.Resources[ref]?.Type !== 'AWS::StepFunctions::StateMachine') {
            throw new UnsupportedAslError(`Rule ${id} has a target that is not a state machine of this template`);
          }
          return ref;
        }),
      };
    });
}

/** Validates a definition with `asl-validator`; the list of problems, empty when valid. */
export function validateDefinition(definition: JsonObject): string[] {
  const validator = require('asl-validator') as (definition: unknown) => {
    isValid: boolean;
    errorsText: (separator?: string) => string;
  };
  // The validator writes its defaults (QueryLanguage) into what it is given: it gets a copy.
  const { isValid, errorsText } = validator(structuredClone(definition));
  return isValid ? [] : errorsText('\n').split('\n');
}

// ---------------------------------------------------------------------------
// EventBridge patterns

/** Whether an event matches an EventBridge pattern (exact values, `prefix`, `exists`, nested objects). */
export function matchesPattern(pattern: JsonObject, event: unknown): boolean {
  const object = event && typeof event === 'object' && !Array.isArray(event) ? (event as JsonObject) : undefined;
  return Object.entries(pattern).every(([key, expected]) => {
    const value = object?.[key];
    if (Array.isArray(expected)) return matchesAny(expected, value);
    if (expected && typeof expected === 'object') return matchesPattern(expected, value);
    throw new UnsupportedAslError(`Pattern field ${key} must be an array or an object`);
  });
}

function matchesAny(alternatives: Json[], value: Json | undefined): boolean {
  // An array in the event matches when any of its values does.
  const values = Array.isArray(value) ? value : [value];
  return alternatives.some((alt) => {
    if (alt === null || typeof alt !== 'object') return value !== undefined && values.some((v) => v === alt);
    const [operator, operand, ...more] = Object.entries(alt).flat();
    if (more.length) throw new UnsupportedAslError(`Pattern operator object ${JSON.stringify(alt)}`);
    if (operator === 'prefix' && typeof operand === 'string') {
      return values.some((v) => typeof v === 'string' && v.startsWith(operand));
    }
    if (operator === 'exists' && typeof operand === 'boolean') {
      // `exists` applies to leaf fields: present (any value but an object) or not.
      const leaf = value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value));
      return leaf === operand;
    }
    throw new UnsupportedAslError(`Pattern operator ${String(operator)}`);
  });
}

// ---------------------------------------------------------------------------
// JSONPath and payload templates

/** The segments of a reference path (`$.a.b[0]`, `$$.State.Name`); anything fancier throws. */
function pathSegments(path: string): { root: '$' | '$$'; segments: Array<string | number> } {
  const m = /^(\$\$?)((?:\.[A-Za-z_][\w-]*|\[\d+\])*)$/.exec(path);
  if (!m) throw new UnsupportedAslError(`JSONPath ${path} (only $.a.b[0] paths are supported)`);
  const segments = [...(m[2] ?? '').matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)].map((s) =>
    s[1] !== undefined ? s[1] : Number(s[2]),
  );
  return { root: m[1] as '$' | '$$', segments };
}

/** A failure of a state, named as Step Functions names it. */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
  }
}

function readPath(path: string, input: Json, context: Json): Json {
  const { root, segments } = pathSegments(path);
  let value: Json | undefined = root === '$' ? input : context;
  for (const s of segments) {
    if (typeof s === 'number') value = Array.isArray(value) ? value[s] : undefined;
    else value = value && typeof value === 'object' && !Array.isArray(value) ? value[s] : undefined;
    if (value === undefined) throw new StatesError('States.Runtime', `The JSONPath ${path} could not be found`);
  }
  return value as Json;
}

function isPresent(path: string, input: Json): boolean {
  try {
    readPath(path, input, null);
    return true;
  } catch (err) {
    if (err instanceof StatesError) return false;
    throw err;
  }
}

/** Parses and evaluates an intrinsic function call (`States.Format('…', $.a)`). */
function evaluateIntrinsic(text: string, input: Json, context: Json): Json {
  let i = 0;
  const skip = () => {
    while (text[i] === ' ') i++;
  };
  const parseArg = (): Json => {
    skip();
    if (text[i] === "'") {
      let out = '';
      i++;
      while (text[i] !== "'") {
        if (i >= text.length) throw new UnsupportedAslError(`Unterminated string in ${text}`);
        if (text[i] === '\\') {
          out += text[i + 1];
          i += 2;
        } else out += text[i++];
      }
      i++;
      return out;
    }
    if (text[i] === '$') {
      const start = i;
      while (i < text.length && !/[,) ]/.test(text[i] as string)) i++;
      return readPath(text.slice(start, i), input, context);
    }
    if (text.startsWith('States.', i)) return parseCall();
    const literal = /^(-?\d+(\.\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) throw new UnsupportedAslError(`Intrinsic argument at ${text.slice(i)}`);
    i += literal[0].length;
    return JSON.parse(literal[0]) as Json;
  };
  const parseCall = (): Json => {
    const m = /^States\.(\w+)\(/.exec(text.slice(i));
    if (!m) throw new UnsupportedAslError(`Intrinsic at ${text.slice(i)}`);
    i += m[0].length;
    const args: Json[] = [];
    skip();
    while (text[i] !== ')') {
      args.push(parseArg());
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') throw new UnsupportedAslError(`Intrinsic syntax at ${text.slice(i)}`);
    }
    i++;
    return callIntrinsic(m[1] as string, args);
  };
  const value = parseCall();
  skip();
  if (i !== text.length) throw new UnsupportedAslError(`Trailing text in intrinsic ${text}`);
  return value;
}

function callIntrinsic(name: string, args: Json[]): Json {
  switch (name) {
    case 'Format': {
      const [template, ...values] = args;
      if (typeof template !== 'string') throw new StatesError('States.IntrinsicFailure', 'Format needs a string');
      const pieces = template.split('{}');
      if (pieces.length - 1 !== values.length) {
        throw new StatesError('States.IntrinsicFailure', `Format has ${pieces.length - 1} {} for ${values.length}`);
      }
      return pieces.reduce((out, piece, k) => {
        if (k === 0) return piece;
        const v = values[k - 1];
        if (v !== null && typeof v === 'object') {
          throw new StatesError('States.IntrinsicFailure', 'Format takes strings, numbers, booleans or null');
        }
        return out + String(v) + piece;
      }, '');
    }
    case 'StringToJson': {
      const [text] = args;
      if (typeof text !== 'string') throw new StatesError('States.IntrinsicFailure', 'StringToJson needs a string');
      try {
        return JSON.parse(text) as Json;
      } catch (err) {
        throw new StatesError('States.IntrinsicFailure', `StringToJson: ${(err as Error).message}`);
      }
    }
    case 'ArrayContains': {
      const [array, value] = args;
      if (!Array.isArray(array)) throw new StatesError('States.IntrinsicFailure', 'ArrayContains needs an array');
      return array.some((item) => JSON.stringify(item) === JSON.stringify(value));
    }
    default:
      throw new UnsupportedAslError(`Intrinsic function States.${name}`);
  }
}

/** Evaluates a payload template (Parameters, ResultSelector): `key.$` fields are paths or intrinsics. */
function payload(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((t) => payload(t, input, context));
  if (template === null || typeof template !== 'object') return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') throw new UnsupportedAslError(`${key} must be a string`);
      out[key.slice(0, -2)] = value.startsWith('States.')
        ? evaluateIntrinsic(value, input, context)
        : readPath(value, input, context);
    } else out[key] = payload(value, input, context);
  }
  return out;
}

/** Puts `result` at `path` of a copy of `input` (ResultPath). */
function placeResult(path: string | null | undefined, input: Json, result: Json): Json {
  if (path === null) return input;
  if (path === undefined || path === '$') return result;
  const { root, segments } = pathSegments(path);
  if (root !== '$' || segments.some((s) => typeof s === 'number')) {
    throw new UnsupportedAslError(`ResultPath ${path}`);
  }
  const copy = structuredClone(input) as JsonObject;
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) {
    throw new StatesError('States.Runtime', `ResultPath ${path} needs an object input`);
  }
  let at: JsonObject = copy;
  for (const s of segments.slice(0, -1) as string[]) {
    const next = at[s];
    if (next === undefined) at[s] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new StatesError('States.Runtime', `ResultPath ${path} crosses a non-object`);
    }
    at = at[s] as JsonObject;
  }
  at[segments.at(-1) as string] = result;
  return copy;
}

const selectPath = (path: string | null | undefined, value: Json, context: Json): Json =>
  path === null ? {} : path === undefined ? value : readPath(path, value, context);

// ---------------------------------------------------------------------------
// Choice rules

function choiceMatches(rule: JsonObject, input: Json): boolean {
  const known = ['Variable', 'Next', 'Comment'];
  if (rule.And) return (rule.And as JsonObject[]).every((r) => choiceMatches(r, input));
  if (rule.Or) return (rule.Or as JsonObject[]).some((r) => choiceMatches(r, input));
  if (rule.Not) return !choiceMatches(rule.Not as JsonObject, input);
  const variable = rule.Variable;
  if (typeof variable !== 'string') throw new UnsupportedAslError(`Choice rule without a Variable`);
  const operators = Object.keys(rule).filter((k) => !known.includes(k));
  if (operators.length !== 1) throw new UnsupportedAslError(`Choice rule ${JSON.stringify(rule)}`);
  const operator = operators[0] as string;
  const operand = rule[operator];
  if (operator === 'IsPresent') return isPresent(variable, input) === operand;
  if (operator === 'BooleanEquals') {
    if (!isPresent(variable, input)) throw new StatesError('States.Runtime', `Invalid path ${variable}`);
    return readPath(variable, input, null) === operand;
  }
  if (operator === 'StringEquals') {
    if (!isPresent(variable, input)) throw new StatesError('States.Runtime', `Invalid path ${variable}`);
    const value = readPath(variable, input, null);
    return typeof value === 'string' && value === operand;
  }
  throw new UnsupportedAslError(`Choice operator ${operator}`);
}

// ---------------------------------------------------------------------------
// Tasks

/** An SNS message the harness took in place of SNS (no emulator exists). */
export interface PublishedMessage {
  topicArn: string;
  message: Json;
  state: string;
}

const SNS_PUBLISH_FIELDS = [
  'TopicArn',
  'TargetArn',
  'PhoneNumber',
  'Message',
  'Subject',
  'MessageStructure',
  'MessageAttributes',
  'MessageDeduplicationId',
  'MessageGroupId',
];

/** What task states call: a DynamoDB client (of an emulator) and the list SNS publishes go to. */
export interface TaskServices {
  dynamodb: DynamoDBClient;
  published: PublishedMessage[];
}

async function runTask(resource: string, parameters: Json, state: string, services: TaskServices): Promise<Json> {
  if (/^arn:aws[a-z-]*:states:::aws-sdk:dynamodb:query$/.test(resource)) {
    // The AWS SDK integration: the service's own answer; errors named DynamoDb.<exception>.
    try {
      const out = await services.dynamodb.send(new QueryCommand(parameters as never));
      const { $metadata: _, ...rest } = out as unknown as JsonObject & { $metadata: unknown };
      return JSON.parse(JSON.stringify(rest)) as Json;
    } catch (err) {
      if ((err as { $fault?: string }).$fault) {
        throw new StatesError(`DynamoDb.${(err as Error).name}`, (err as Error).message);
      }
      throw err;
    }
  }
  const m = /^arn:aws[a-z-]*:states:::(\w+):(\w+)$/.exec(resource);
  if (!m) throw new UnsupportedAslError(`Task resource ${resource}`);
  const [, service, action] = m as unknown as [string, string, string];
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new UnsupportedAslError(`Task ${state} has no Parameters object`);
  }
  if (service === 'dynamodb') {
    const send = (input: never): Promise<object> => {
      const ddb = services.dynamodb;
      switch (action) {
        case 'updateItem':
          return ddb.send(new UpdateItemCommand(input));
        case 'putItem':
          return ddb.send(new PutItemCommand(input));
        case 'getItem':
          return ddb.send(new GetItemCommand(input));
        case 'deleteItem':
          return ddb.send(new DeleteItemCommand(input));
        default:
          throw new UnsupportedAslError(`DynamoDB action ${action}`);
      }
    };
    try {
      const out = await send(parameters as never);
      const { $metadata: _, ...rest } = out as unknown as JsonObject & { $metadata: unknown };
      return JSON.parse(JSON.stringify(rest)) as Json;
    } catch (err) {
      const name = (err as Error).name;
      // The optimized DynamoDB integration names a service exception DynamoDB.<exception>.
      if ((err as { $fault?: string }).$fault) throw new StatesError(`DynamoDB.${name}`, (err as Error).message);
      throw err;
    }
  }
  if (service === 'sns' && action === 'publish') {
    const unknown = Object.keys(parameters).filter((k) => !SNS_PUBLISH_FIELDS.includes(k));
    if (unknown.length) throw new StatesError('SNS.InvalidParameterException', `Unknown fields ${unknown.join(', ')}`);
    const topicArn = parameters.TopicArn;
    if (typeof topicArn !== 'string' || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(topicArn)) {
      throw new StatesError('SNS.InvalidParameterException', `TopicArn ${String(topicArn)} is not a topic ARN`);
    }
    if (parameters.Message === undefined || parameters.Message === null) {
      throw new StatesError('SNS.InvalidParameterException', 'Message is required');
    }
    services.published.push({ topicArn, message: parameters.Message, state });
    return { MessageId: `message-${services.published.length}` };
  }
  throw new UnsupportedAslError(`Task resource ${resource}`);
}

// ---------------------------------------------------------------------------
// Executions

/** The end of an execution: its status, output or error, and the states it passed through. */
export interface Execution {
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  error?: string;
  cause?: string;
  /** State names in the order entered. */
  path: string[];
  /** Attempts of each Task state (1 when it succeeded at once). */
  attempts: Record<string, number>;
}

const ALLOWED_FIELDS: Record<string, string[]> = {
  Pass: ['Type', 'Comment', 'Next', 'End', 'InputPath', 'OutputPath', 'Parameters', 'Result', 'ResultPath'],
  Choice: ['Type', 'Comment', 'Choices', 'Default', 'InputPath', 'OutputPath'],
  Task: [
    'Type',
    'Comment',
    'Next',
    'End',
    'Resource',
    'InputPath',
    'OutputPath',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
  ],
  Map: [
    'Type',
    'Comment',
    'Next',
    'End',
    'InputPath',
    'OutputPath',
    'ItemsPath',
    'ItemSelector',
    'ItemProcessor',
    'MaxConcurrency',
    'ResultPath',
  ],
  Succeed: ['Type', 'Comment', 'InputPath', 'OutputPath'],
  Fail: ['Type', 'Comment', 'Error', 'Cause'],
};

const errorMatches = (names: Json, error: string) =>
  Array.isArray(names) && (names.includes(error) || (names.includes('States.ALL') && error !== 'States.Runtime'));

/**
 * Runs a state machine definition on an input, to its end. `services` answer
 * its Task states; `execution` names the execution in the context object.
 *
 * @example
 * ```ts
 * const run = await execute(definition, { detail }, { dynamodb, published: [] });
 * run.status; // "SUCCEEDED"
 * ```
 */
export async function execute(
  definition: JsonObject,
  input: Json,
  services: TaskServices,
  execution = { name: 'test-execution', startTime: new Date() },
): Promise<Execution> {
  for (const key of Object.keys(definition)) {
    if (!['StartAt', 'States', 'Comment', 'TimeoutSeconds'].includes(key)) {
      throw new UnsupportedAslError(`State machine field ${key}`);
    }
  }
  const states = definition.States as Record<string, JsonObject>;
  for (const [name, state] of Object.entries(states)) {
    const allowed = ALLOWED_FIELDS[String(state.Type)];
    if (!allowed) throw new UnsupportedAslError(`State type ${String(state.Type)} (state ${name})`);
    const extra = Object.keys(state).filter((k) => !allowed.includes(k));
    if (extra.length) throw new UnsupportedAslError(`Fields ${extra.join(', ')} of ${state.Type} state ${name}`);
  }
  const path: string[] = [];
  const attempts: Record<string, number> = {};
  let current = String(definition.StartAt);
  let data = input;
  const fail = (error: string, cause: string): Execution => ({ status: 'FAILED', error, cause, path, attempts });
  for (let steps = 0; ; steps++) {
    if (steps > 1000) throw new UnsupportedAslError('More than 1000 state transitions: a loop?');
    const state = states[current];
    if (!state) throw new UnsupportedAslError(`No state ${current}`);
    path.push(current);
    const context: Json = {
      Execution: { Id: `arn:aws:states:::execution:${execution.name}`, Name: execution.name, Input: input },
      State: { Name: current, EnteredTime: new Date().toISOString(), RetryCount: 0 },
      StateMachine: { Name: 'test' },
    };
    const next = (output: Json): string | undefined => {
      data = output;
      return state.End === true ? undefined : String(state.Next);
    };
    try {
      let goTo: string | undefined;
      switch (state.Type) {
        case 'Pass': {
          const effective = selectPath(state.InputPath as string | undefined, data, context);
          const result =
            state.Result !== undefined
              ? state.Result
              : state.Parameters !== undefined
                ? payload(state.Parameters, effective, context)
                : effective;
          const output = selectPath(
            state.OutputPath as string | undefined,
            placeResult(state.ResultPath as string | null | undefined, data, result),
            context,
          );
          goTo = next(output);
          break;
        }
        case 'Choice': {
          const effective = selectPath(state.InputPath as string | undefined, data, context);
          const rule = (state.Choices as JsonObject[]).find((r) => choiceMatches(r, effective));
          const target = rule ? rule.Next : state.Default;
          if (typeof target !== 'string') {
            return fail('States.NoChoiceMatched', `No choice of ${current} matched`);
          }
          data = selectPath(state.OutputPath as string | undefined, effective, context);
          goTo = target;
          break;
        }
        case 'Map': {
          const effective = selectPath(state.InputPath as string | undefined, data, context);
          const items = readPath(String(state.ItemsPath ?? '$'), effective, context);
          if (!Array.isArray(items)) {
            return fail('States.Runtime', `ItemsPath ${String(state.ItemsPath)} of ${current} is not an array`);
          }
          const processor = state.ItemProcessor as JsonObject;
          const { ProcessorConfig: config, ...machine } = processor;
          if (config && (config as JsonObject).Mode !== 'INLINE') {
            throw new UnsupportedAslError(`Map ${current}: processor ${JSON.stringify(config)}`);
          }
          // Items run one after another: the order MaxConcurrency allows among others.
          const results: Json[] = [];
          for (const [index, value] of items.entries()) {
            const itemContext = { ...(context as JsonObject), Map: { Item: { Index: index, Value: value } } };
            const itemInput =
              state.ItemSelector !== undefined ? payload(state.ItemSelector, effective, itemContext) : value;
            const item = await execute(machine, itemInput, services, execution);
            path.push(...item.path.map((p) => `${current}[${index}].${p}`));
            for (const [name, n] of Object.entries(item.attempts)) {
              attempts[`${current}.${name}`] = (attempts[`${current}.${name}`] ?? 0) + n;
            }
            if (item.status === 'FAILED') return fail(item.error ?? 'States.Runtime', item.cause ?? '');
            results.push(item.output ?? null);
          }
          goTo = next(
            selectPath(
              state.OutputPath as string | undefined,
              placeResult(state.ResultPath as string | null | undefined, data, results),
              context,
            ),
          );
          break;
        }
        case 'Succeed': {
          const effective = selectPath(state.InputPath as string | undefined, data, context);
          return {
            status: 'SUCCEEDED',
            output: selectPath(state.OutputPath as string | undefined, effective, context),
            path,
            attempts,
          };
        }
        case 'Fail':
          return fail(String(state.Error ?? 'States.Fail'), String(state.Cause ?? ''));
        case 'Task': {
          const effective = selectPath(state.InputPath as string | undefined, data, context);
          const parameters = state.Parameters !== undefined ? payload(state.Parameters, effective, context) : effective;
          const retriers = ((state.Retry as JsonObject[] | undefined) ?? []).map((r) => ({ rule: r, used: 0 }));
          let result: Json | undefined;
          let failure: StatesError | undefined;
          for (;;) {
            attempts[current] = (attempts[current] ?? 0) + 1;
            try {
              result = await runTask(String(state.Resource), parameters, current, services);
              failure = undefined;
              break;
            } catch (err) {
              if (!(err instanceof StatesError)) throw err;
              failure = err;
              const retrier = retriers.find((r) => errorMatches(r.rule.ErrorEquals as Json, err.error));
              // Waits are not slept: the attempts are counted, the interval is the service's business.
              if (!retrier || retrier.used >= Number(retrier.rule.MaxAttempts ?? 3)) break;
              retrier.used++;
            }
          }
          if (failure) {
            const catcher = ((state.Catch as JsonObject[] | undefined) ?? []).find((c) =>
              errorMatches(c.ErrorEquals as Json, failure.error),
            );
            if (!catcher) return fail(failure.error, failure.causeText);
            data = placeResult(catcher.ResultPath as string | null | undefined, data, {
              Error: failure.error,
              Cause: failure.causeText,
            });
            goTo = String(catcher.Next);
            break;
          }
          const selected =
            state.ResultSelector !== undefined ? payload(state.ResultSelector, result as Json, context) : result;
          goTo = next(
            selectPath(
              state.OutputPath as string | undefined,
              placeResult(state.ResultPath as string | null | undefined, data, selected as Json),
              context,
            ),
          );
          break;
        }
        default:
          throw new UnsupportedAslError(`State type ${String(state.Type)}`);
      }
      if (goTo === undefined) return { status: 'SUCCEEDED', output: data, path, attempts };
      current = goTo;
    } catch (err) {
      if (err instanceof StatesError) return fail(err.error, err.causeText);
      throw err;
    }
  }
}
