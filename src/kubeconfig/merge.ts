/** Merging entries into a kubeconfig document the way `aws eks update-kubeconfig` does. */
import { isMap, isNode, type Node, type YAMLSeq } from "yaml";
import { detachAliases } from "./aliases.js";
import { createSafeNode, hasCluster, indexByName, listAt, setRootString, type KubeconfigDocument } from "./document.js";
import type { KubeconfigEntries } from "./entries.js";

export interface MergeResult {
  readonly doc: KubeconfigDocument;
  /** True when the file already held the cluster: the AWS CLI then says "Updated context". */
  readonly updated: boolean;
}

/** Returns a copy of `doc` with the three entries in place and current-context set; `doc` is not changed. */
export function mergeEntries(doc: KubeconfigDocument, entries: KubeconfigEntries): MergeResult {
  const out = doc.clone();
  const updated = hasCluster(out, entries.cluster.name);
  // Aliases elsewhere to the entries being replaced (or to the lists growing) keep what they showed.
  const lists = (["clusters", "users", "contexts"] as const).map((key) => listAt(out, key));
  const names = [entries.cluster.name, entries.user.name, entries.context.name];
  const replaced: Node[] = lists.flatMap((seq, i) => {
    const at = indexByName(seq, names[i]!, out);
    return at === -1 ? [] : [seq.items[at] as Node];
  });
  const current = isMap(out.contents) ? out.contents.get("current-context", true) : undefined;
  if (isNode(current)) replaced.push(current);
  detachAliases(out, { replaced, extended: lists });
  upsert(out, listAt(out, "clusters"), entries.cluster.name, entries.cluster);
  upsert(out, listAt(out, "users"), entries.user.name, entries.user);
  upsert(out, listAt(out, "contexts"), entries.context.name, entries.context);
  setRootString(out, "current-context", entries.context.name);
  return { doc: out, updated };
}

// Same-named entries are replaced whole, as the AWS CLI does; comments around them are kept.
function upsert(doc: KubeconfigDocument, seq: YAMLSeq, name: string, entry: object): void {
  const node = createSafeNode(doc, entry);
  const index = indexByName(seq, name, doc);
  if (index === -1) {
    seq.items.push(node);
    return;
  }
  const old = seq.items[index] as { commentBefore?: string | null; comment?: string | null; spaceBefore?: boolean };
  Object.assign(node, { commentBefore: old.commentBefore, comment: old.comment, spaceBefore: old.spaceBefore });
  seq.items[index] = node;
}
