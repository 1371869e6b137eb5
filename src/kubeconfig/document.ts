/**
 * Reading and writing a kubeconfig as a `yaml` Document, so comments, ordering and quoting
 * of everything we do not touch survive a rewrite.
 */
import {
  Composer,
  type CST,
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  parseDocument,
  visit,
  type YAMLMap,
  YAMLSeq,
  type Node,
} from "yaml";
import { EksTokenError } from "../errors.js";

export type KubeconfigDocument = Document.Parsed | Document;

export interface ParsedKubeconfig {
  readonly doc: KubeconfigDocument;
  /** Formatting of the source, reused when writing it back. */
  readonly style: OutputStyle;
}

export interface OutputStyle {
  /** kubectl and the AWS CLI write `- item` flush with its key; some editors indent it. */
  readonly indentSeq: boolean;
  readonly crlf: boolean;
  /** A UTF-8 byte-order mark opened the file. */
  readonly bom: boolean;
}

/** Bounds on the input and on the parser's work: real kubeconfigs are far inside all three. */
export const MAX_KUBECONFIG_BYTES = 8 * 1024 * 1024;
/** Collections inside collections; a kubeconfig's own structure is about 6 deep. */
export const MAX_NESTING = 128;
/** The yaml package's bound on alias expansion (its default), which stops "billion laughs" files. */
export const MAX_ALIAS_COUNT = 100;

const LIST_KEYS = ["clusters", "contexts", "users"] as const;
const MAP_KEYS = ["preferences"] as const;
const SCALAR_KEYS = ["apiVersion", "kind", "current-context"] as const;

/** Parses and checks the top-level shape; throws EksTokenError('kubeconfig') naming the file and line. */
export function parseKubeconfig(text: string, path: string): ParsedKubeconfig {
  const bom = text.startsWith(BOM);
  const source = bom ? text.slice(BOM.length) : text;
  // Characters count at most as many as bytes: the reader's byte bound is the stricter one.
  if (source.length > MAX_KUBECONFIG_BYTES) {
    refuse(`${path} is larger than ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB, more than a kubeconfig holds`);
  }
  const doc = parseBounded(source, path);
  checkShape(doc, path);
  return { doc, style: { ...detectStyle(doc, source), bom } };
}

const BOM = "\uFEFF";
const HINT = "fix the file or pass another one with --kubeconfig; it was left as it is";

/**
 * parseDocument in its parts, so the nesting depth can be checked on the parser's tokens (an
 * iterative walk) before the composer, which recurses once per level, sees them: thousands of
 * nested `[` would otherwise exhaust the stack or, inside V8's regexp compiler, abort the process.
 */
function parseBounded(source: string, path: string): Document.Parsed {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(source));
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    refuse(`${path}:${lines.linePos(deep).line}: collections nested more than ${MAX_NESTING} deep`);
  }
  const docs = Array.from(new Composer({ prettyErrors: false }).compose(tokens, true, source.length));
  // With forceDoc the composer yields a document even for an empty stream.
  const doc = docs[0]!;
  const err = docs.length > 1 ? { pos: docs[1]!.range, message: "more than one YAML document" } : doc.errors[0];
  if (err) refuse(`${path}:${lines.linePos(err.pos[0]).line}: not valid YAML: ${err.message.split("\n")[0]}`);
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    refuse(`${path}: aliases expand beyond ${MAX_ALIAS_COUNT} nodes, as in a "billion laughs" file`);
  }
  return doc;
}

/** The offset of the first collection nested deeper than MAX_NESTING, or undefined. */
function tooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: Array<[CST.Token | undefined, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    // depth counts the collections around this token; a collection adds itself.
    if (depth + ("items" in token ? 1 : 0) > MAX_NESTING) return token.offset;
    if ("value" in token && typeof token.value === "object") stack.push([token.value, depth]);
    if ("items" in token) {
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

function refuse(message: string): never {
  throw new EksTokenError("kubeconfig", message, HINT);
}

// client-go reads through aliases, so the shape is checked on what they show.
function checkShape(doc: Document, path: string): void {
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return;
  if (!isMap(root)) shapeError(path, "the top level is not a mapping");
  const at = (node: unknown) => (isAlias(node) ? node.resolve(doc) : node);
  for (const key of LIST_KEYS) {
    const node = at(root.get(key, true));
    if (isNullish(node)) continue;
    if (!isSeq(node)) shapeError(path, `${key} is not a list`);
    node.items.forEach((item, i) => {
      if (!isMap(at(item))) shapeError(path, `${key}[${i}] is not a mapping`);
    });
  }
  for (const key of MAP_KEYS) {
    const node = at(root.get(key, true));
    if (!isNullish(node) && !isMap(node)) shapeError(path, `${key} is not a mapping`);
  }
  for (const key of SCALAR_KEYS) {
    const node = at(root.get(key, true));
    if (!isNullish(node) && !isScalar(node)) shapeError(path, `${key} is not a plain value`);
  }
}

function shapeError(path: string, what: string): never {
  throw new EksTokenError("kubeconfig", `${path} is not a kubeconfig: ${what}`, HINT);
}

export function isNullish(node: unknown): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

function detectStyle(doc: Document, text: string): Omit<OutputStyle, "bom"> {
  return { indentSeq: detectIndentSeq(doc, text), crlf: text.includes("\r\n") };
}

// The column of a top-level list's first dash tells which of the two common styles the file uses.
function detectIndentSeq(doc: Document, text: string): boolean {
  const root = doc.contents;
  if (!isMap(root)) return false;
  for (const key of LIST_KEYS) {
    const node = root.get(key, true);
    if (isSeq(node) && !node.flow && node.items.length > 0 && node.range) {
      const start = node.range[0];
      return start - (text.lastIndexOf("\n", start - 1) + 1) > 0;
    }
  }
  return false;
}

/** The skeleton `aws eks update-kubeconfig` and kubectl start a new file with. */
export function newKubeconfigContents(doc: Document): YAMLMap {
  const map = doc.createNode({
    apiVersion: "v1",
    clusters: [],
    contexts: [],
    "current-context": "",
    kind: "Config",
    preferences: {},
    users: [],
  }) as YAMLMap;
  // Empty lists stay `[]` (a block list with no items would print as an invalid `key:\n[]`);
  // listAt turns one into a block list when something goes in.
  for (const pair of map.items) {
    if (isSeq(pair.value)) pair.value.flow = true;
  }
  return map;
}

/** The top-level mapping, created (keeping any comments) when the file is empty. */
export function rootMap(doc: KubeconfigDocument): YAMLMap {
  if (isMap(doc.contents)) return doc.contents;
  const comment = isScalar(doc.contents) ? (doc.contents.commentBefore ?? doc.contents.comment) : undefined;
  const map = newKubeconfigContents(doc);
  if (comment) doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${comment}` : comment;
  doc.contents = map;
  return map;
}

/**
 * The list under `key`, created as an empty block list when missing or null. A list written as an
 * alias (`users: *shared`) becomes a copy of what it showed, so adding to it changes nothing else.
 */
export function listAt(doc: KubeconfigDocument, key: (typeof LIST_KEYS)[number]): YAMLSeq {
  const root = rootMap(doc);
  let node: unknown = root.get(key, true);
  if (isAlias(node)) {
    const source = node.resolve(doc);
    if (isSeq(source)) {
      node = createSafeNode(doc, source.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }));
      root.set(key, node);
    }
  }
  if (isSeq(node)) {
    // An empty flow list (`users: []`) would otherwise grow into one long flow line.
    if (node.items.length === 0) node.flow = false;
    return node;
  }
  const seq = new YAMLSeq(doc.schema);
  root.set(key, seq);
  return seq;
}

/** Index of the entry whose `name` equals `name`, or -1; an entry written as an alias is seen through. */
export function indexByName(seq: YAMLSeq, name: string, doc?: KubeconfigDocument): number {
  return seq.items.findIndex((item) => {
    const entry = doc && isAlias(item) ? item.resolve(doc) : item;
    return isMap(entry) && scalarString(entry.get("name", true)) === name;
  });
}

export function hasCluster(doc: KubeconfigDocument, name: string): boolean {
  const root = doc.contents;
  if (!isMap(root)) return false;
  let clusters: unknown = root.get("clusters", true);
  if (isAlias(clusters)) clusters = clusters.resolve(doc);
  return isSeq(clusters) && indexByName(clusters, name, doc) !== -1;
}

export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || typeof node.value === "object") return undefined;
  return String(node.value);
}

/**
 * Builds a node for `value` whose strings read back as strings under YAML 1.1 too:
 * client-go parses kubeconfigs with YAML 1.1 rules, where a plain `on` or `no` is a boolean.
 */
export function createSafeNode(doc: KubeconfigDocument, value: unknown): Node {
  const node = doc.createNode(value) as Node;
  visit(node, {
    Scalar(_key, scalar) {
      if (typeof scalar.value === "string" && isYaml11Ambiguous(scalar.value)) scalar.type = "QUOTE_DOUBLE";
    },
    Seq(_key, seq) {
      seq.flow = false;
    },
    Map(_key, map) {
      map.flow = false;
    },
  });
  return node;
}

// Plain scalars the stringifier would leave unquoted but YAML 1.1 reads as another type.
function isYaml11Ambiguous(value: string): boolean {
  const probe = parseDocument(value, { version: "1.1" });
  return probe.errors.length > 0 || probe.toJS() !== value;
}

/** Sets a top-level string, keeping the comments of the value it replaces. */
export function setRootString(doc: KubeconfigDocument, key: string, value: string): void {
  const root = rootMap(doc);
  const old = root.get(key, true);
  const node = createSafeNode(doc, value);
  if (isScalar(old) && isScalar(node)) {
    node.comment = old.comment;
    node.commentBefore = old.commentBefore;
  }
  root.set(key, node);
}

export function stringifyKubeconfig(doc: KubeconfigDocument, style: OutputStyle): string {
  const text = doc.toString({ indentSeq: style.indentSeq, lineWidth: 0 });
  return (style.bom ? BOM : "") + (style.crlf ? text.replace(/\r?\n/g, "\r\n") : text);
}

export const DEFAULT_STYLE: OutputStyle = { indentSeq: false, crlf: false, bom: false };

/** A new, empty kubeconfig document. */
export function emptyKubeconfig(): ParsedKubeconfig {
  const doc = new Document();
  doc.contents = newKubeconfigContents(doc);
  return { doc, style: DEFAULT_STYLE };
}
