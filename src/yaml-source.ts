import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { Problem } from './errors.js';
import type { SourcePosition } from './model.js';

/** Aliases beyond this are refused: a "billion laughs" file must not exhaust memory. */
const MAX_ALIAS_COUNT = 50;
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
export function parseYamlSource(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problem = (offset: number, message: string): Problem => ({ file, ...at(offset), message });

  let list;
  try {
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, schema: 'core', uniqueKeys: true, strict: true });
    list = Array.isArray(docs) ? docs : [];
  } catch (error) {
    if (error instanceof RangeError) return { source: null, problems: [{ file, line: 1, col: 1, message: 'YAML refused: the file nests too deeply to read' }] };
    throw error;
  }
  if (list.length === 0) return { source: null, problems: [{ file, line: 1, col: 1, message: 'the file is empty: it must hold one account as a YAML mapping' }] };
  const problems: Problem[] = [];
  for (const doc of list) {
    for (const error of doc.errors) problems.push(problem(error.pos[0], `YAML syntax error: ${firstLine(error.message)}`));
  }
  if (problems.length > 0) return { source: null, problems };
  if (list.length > 1) {
    const second = list[1]!;
    return { source: null, problems: [problem(second.range[0], 'only one YAML document per file is allowed (found a second one after ---)')] };
  }
  const doc = list[0]!;
  if (doc.contents === null) return { source: null, problems: [{ file, line: 1, col: 1, message: 'the file is empty: it must hold one account as a YAML mapping' }] };

  const depthProblem = findTooDeep(doc.contents as Node);
  if (depthProblem !== null) return { source: null, problems: [problem(depthProblem, `nesting deeper than ${MAX_DEPTH} levels is refused`)] };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = /alias/i.test(message) ? firstAliasOffset(text) : 0;
    return { source: null, problems: [problem(offset, `YAML refused: ${/alias/i.test(message) ? `too many aliases (more than ${MAX_ALIAS_COUNT}); anchors and aliases are not needed in account files` : firstLine(message)}`)] };
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

export function pathKey(path: YamlPath): string {
  return path.join('.');
}

function walk(node: Node, path: (string | number)[], keyOffsets: Map<string, number>, valueOffsets: Map<string, number>): void {
  if (node.range) valueOffsets.set(pathKey(path), node.range[0]);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const childPath = [...path, String(pair.key.value)];
      if (pair.key.range) keyOffsets.set(pathKey(childPath), pair.key.range[0]);
      if (pair.value && typeof pair.value === 'object' && 'range' in pair.value) walk(pair.value as Node, childPath, keyOffsets, valueOffsets);
      else if (pair.key.range) valueOffsets.set(pathKey(childPath), pair.key.range[0]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      if (item && typeof item === 'object' && 'range' in item) walk(item as Node, [...path, index], keyOffsets, valueOffsets);
    });
  }
}

/** Offset of the first node deeper than MAX_DEPTH, or null; iterative so no input can overflow the stack. */
function findTooDeep(root: Node): number | null {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) return (node as Node).range?.[0] ?? 0;
    if (isMap(node)) for (const pair of node.items) { if (isPair(pair) && pair.value) stack.push([pair.value, depth + 1]); }
    else if (isSeq(node)) for (const item of node.items) stack.push([item, depth + 1]);
  }
  return null;
}

function firstAliasOffset(text: string): number {
  const match = /(^|[\s[{,:-])\*[^\s,\]}]+/.exec(text);
  return match ? match.index + match[1]!.length : 0;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
}
