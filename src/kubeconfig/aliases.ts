/**
 * YAML anchors and aliases in a kubeconfig that is about to change. An alias shows the content of
 * the node its anchor is on; when an edit replaces or changes that node, the alias would either
 * dangle (the anchor is gone: the file cannot be written) or silently follow the change into an
 * entry nobody asked to change. Before the edit, each such alias is replaced by a copy of what it
 * shows, so every other entry reads as it did.
 */
import { isAlias, isNode, visit, type Document, type Node } from "yaml";
import { createSafeNode, MAX_ALIAS_COUNT } from "./document.js";

export interface PlannedChange {
  /** Nodes about to be replaced or removed: an alias to them or to anything inside them is copied. */
  readonly replaced?: readonly Node[];
  /**
   * Collections about to gain, lose or swap items (a list getting an entry, a map a new value):
   * an alias to one of them or to a node holding one is copied; aliases to untouched items inside
   * them stay as they are.
   */
  readonly extended?: readonly Node[];
}

/** The node an alias shows (followed through aliases of aliases), or the node itself. */
export function resolveNode(doc: Document, node: unknown): unknown {
  let current = node;
  for (let i = 0; isAlias(current) && i <= MAX_ALIAS_COUNT; i++) current = current.resolve(doc);
  return current;
}

/**
 * Replaces by a copy of its content every alias whose anchor is on a node `change` touches, on a
 * node inside one it replaces, or on a node holding one. Returns how many aliases were copied.
 */
export function detachAliases(doc: Document, change: PlannedChange): number {
  const affected = new Set<unknown>();
  for (const node of change.replaced ?? []) {
    visit(node, (_key, n) => void affected.add(n));
  }
  const touched = new Set<unknown>([...(change.replaced ?? []), ...(change.extended ?? [])]);
  visit(doc, (_key, node, path) => {
    if (!touched.has(node)) return;
    for (const above of path) if (isNode(above)) affected.add(above);
    affected.add(node);
  });
  let copied = 0;
  visit(doc, {
    Alias(_key, alias) {
      const source = alias.resolve(doc);
      if (!source || !affected.has(source)) return undefined;
      copied += 1;
      // What the alias showed, aliases inside it expanded, no anchors: nothing else can point into it.
      const copy = createSafeNode(doc, source.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }));
      if (isNode(copy) && "flow" in source && "flow" in copy) (copy as { flow?: boolean }).flow = source.flow;
      return copy;
    },
  });
  return copied;
}
