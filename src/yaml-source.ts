import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Problem } from './errors.js';
import type { SourcePosition } from './model.js';

/** Aliases beyond this are refused: a "billion laughs" file must not exhaust memory. */
const MAX_ALIAS_COUNT = 50;
const TOO_MANY_ALIASES = [
  `too many aliases (more than ${MAX_ALIAS_COUNT});`,
  'anchors and aliases are not needed in account files',
].join(' ');
/** Nesting beyond this is refused before anything walks it recursively. */
const MAX_DEPTH = 64;

export type YamlPath = readonly (string | number)[];

/** A parsed YAML document that remembers where each key and value came from. */
export interface YamlSource {
  file: string;
  value: unknown;
  /** Position of the value at `path`, or of its nearest ancestor that exists. */
  valuePosition(path: YamlPath): SourcePosition;
  /** Position of the key that names `path`, or of the value's position where there is no key. */
  keyPosition(path: YamlPath): SourcePosition;
  /** Value positions by dotted path (`plan.plan_type`); `''` is the document. */
  positions: Record<string, SourcePosition>;
}

export type ParseResult = { source: YamlSource; problems: [] } | { source: null; problems: Problem[] };

/** Parses one YAML document (YAML 1.2 core schema, so `NO` stays a string) with positions. */
export function parseYamlSource(file: string, text: string, options: { allowEmpty?: boolean } = {}): ParseResult {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problem = (offset: number, message: string): Problem => ({ file, ...at(offset), message });

  const tooDeep = findFlowTooDeep(text);
  if (tooDeep !== null) {
    lineCounter.addNewLine(0);
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineCounter.addNewLine(i + 1);
    return { source: null, problems: [problem(tooDeep, `nesting deeper than ${MAX_DEPTH} levels is refused`)] };
  }
  let list: Document.Parsed[];
  try {
    const docs = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      schema: 'core',
      uniqueKeys: true,
      strict: true,
    });
    list = Array.isArray(docs) ? docs : [];
  } catch (error) {
    if (error instanceof RangeError)
      return {
        source: null,
        problems: [{ file, line: 1, col: 1, message: 'YAML refused: the file nests too deeply to read' }],
      };
    throw error;
  }
  const empty: ParseResult = options.allowEmpty
    ? {
        problems: [],
        source: {
          file,
          value: null,
          positions: {},
          valuePosition: () => ({ line: 1, col: 1 }),
          keyPosition: () => ({ line: 1, col: 1 }),
        },
      }
    : {
        source: null,
        problems: [{ file, line: 1, col: 1, message: 'the file is empty: it must hold a YAML mapping' }],
      };
  if (list.length === 0) return empty;
  const problems: Problem[] = [];
  for (const doc of list) {
    for (const error of doc.errors)
      problems.push(problem(error.pos[0], `YAML syntax error: ${firstLine(error.message)}`));
  }
  if (problems.length > 0) return { source: null, problems };
  if (list.length > 1) {
    const second = list[1]!;
    return {
      source: null,
      problems: [problem(second.range[0], 'only one YAML document per file is allowed (found a second one after ---)')],
    };
  }
  const doc = list[0]!;
  if (doc.contents === null) return empty;

  const structureProblem = findStructureProblem(doc.contents as Node);
  if (structureProblem !== null)
    return { source: null, problems: [problem(structureProblem.offset, structureProblem.message)] };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = /alias/i.test(message) ? firstAliasOffset(text) : 0;
    return {
      source: null,
      problems: [problem(offset, `YAML refused: ${/alias/i.test(message) ? TOO_MANY_ALIASES : firstLine(message)}`)],
    };
  }

  const keyOffsets = new Map<string, number>();
  const valueOffsets = new Map<string, number>();
  walk(doc.contents as Node, [], keyOffsets, valueOffsets);
  const docOffset = (doc.contents as Node).range?.[0] ?? 0;
  const nearest = (map: Map<string, number>, path: YamlPath): number => {
    for (let n = path.length; n >= 0; n--) {
      const found = map.get(pathKey(path.slice(0, n)));
      if (found !== undefined) return found;
      const valueFound = valueOffsets.get(pathKey(path.slice(0, n)));
      if (valueFound !== undefined) return valueFound;
    }
    return docOffset;
  };
  const positions: Record<string, SourcePosition> = {};
  for (const [key, offset] of valueOffsets) positions[key] = at(offset);
  return {
    problems: [],
    source: {
      file,
      value,
      positions,
      valuePosition: (path) => at(nearest(valueOffsets, path)),
      keyPosition: (path) => at(nearest(keyOffsets, path)),
    },
  };
}

function pathKey(path: YamlPath): string {
  return path.join('.');
}

function walk(
  node: Node,
  path: (string | number)[],
  keyOffsets: Map<string, number>,
  valueOffsets: Map<string, number>,
): void {
  if (node.range) valueOffsets.set(pathKey(path), node.range[0]);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const childPath = [...path, String(pair.key.value)];
      if (pair.key.range) keyOffsets.set(pathKey(childPath), pair.key.range[0]);
      if (pair.value && typeof pair.value === 'object' && 'range' in pair.value)
        walk(pair.value as Node, childPath, keyOffsets, valueOffsets);
      else if (pair.key.range) valueOffsets.set(pathKey(childPath), pair.key.range[0]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      if (item && typeof item === 'object' && 'range' in item)
        walk(item as Node, [...path, index], keyOffsets, valueOffsets);
    });
  }
}

/**
 * The first node nested deeper than MAX_DEPTH, or a key that is not a plain scalar; iterative, so no input overflows
 * the stack.
 */
function findStructureProblem(root: Node): { offset: number; message: string } | null {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH)
      return { offset: (node as Node).range?.[0] ?? 0, message: `nesting deeper than ${MAX_DEPTH} levels is refused` };
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (!isScalar(pair.key))
          return {
            offset: (pair.key as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0,
            message: 'keys must be plain field names, not lists or mappings',
          };
        if (pair.value) stack.push([pair.value, depth + 1]);
      }
    } else if (isSeq(node)) for (const item of node.items) stack.push([item, depth + 1]);
  }
  return null;
}

/**
 * Offset where flow collections ([ and {) nest deeper than MAX_DEPTH, outside quotes and comments.
 * Checked before parsing, because the YAML parser recurses and would run out of stack first.
 */
function findFlowTooDeep(text: string): number | null {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || (c === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1]!)))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_DEPTH) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return null;
}

function firstAliasOffset(text: string): number {
  const match = /(^|[\s[{,:-])\*[^\s,\]}]+/.exec(text);
  return match ? match.index + match[1]!.length : 0;
}

function firstLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}
