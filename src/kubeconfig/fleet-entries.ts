/**
 * The entries `eks-token kubeconfig sync` manages in a kubeconfig document: each context, cluster
 * and user it writes carries a marker in its `extensions` (the schema's place for extenders'
 * data, kept by client-go when it rewrites a file). Only marked entries are ever updated or
 * removed; on update only the fields eks-token owns change (a context's cluster and user, a
 * cluster's server and CA, a user's exec), so a namespace or another extension a person added
 * stays. An entry whose owned fields are unchanged is not touched at all, so a second sync
 * writes the same bytes.
 */
import { isMap, isSeq, type Node, type YAMLMap, YAMLSeq } from "yaml";
import { createSafeNode, indexByName, type KubeconfigDocument, listAt, scalarString } from "./document.js";
import type { ExecBlock } from "./exec-user.js";

export const FLEET_MARKER = "eks-token.dev/fleet";

/** What a marker records: where the entry came from, and the name it was written under. */
export interface FleetMarker {
  /** `sso:START_URL` or `profile:NAME`. */
  readonly source: string;
  readonly account: string;
  readonly region: string;
  /** The SSO role (permission set) the entry uses; absent for a profile source. */
  readonly role?: string;
  readonly profile?: string;
  readonly clusterArn: string;
  readonly managedName: string;
}

/** One context to have, with its cluster and user. */
export interface FleetEntry {
  readonly context: string;
  readonly clusterEntry: string;
  readonly userEntry: string;
  readonly server: string;
  readonly caData: string;
  readonly exec: ExecBlock;
  /** The marker without managedName (each entry gets its own name there). */
  readonly marker: Omit<FleetMarker, "managedName">;
}

type Kind = "clusters" | "contexts" | "users";
const BODY: Record<Kind, string> = { clusters: "cluster", contexts: "context", users: "user" };

/** An entry of the file as sync sees it. */
export interface ExistingEntry {
  readonly name: string;
  /** The marker, when present and well formed. */
  readonly marker: FleetMarker | undefined;
  /** For contexts: the cluster and user it names. */
  readonly cluster?: string | undefined;
  readonly user?: string | undefined;
}

export function readEntries(doc: KubeconfigDocument, kind: Kind): ExistingEntry[] {
  const root = doc.contents;
  if (!isMap(root)) return [];
  const seq = root.get(kind, true);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((item) => {
    if (!isMap(item)) return [];
    const name = scalarString(item.get("name", true));
    if (name === undefined) return [];
    const body = item.get(BODY[kind], true);
    return [
      {
        name,
        marker: isMap(body) ? markerIn(body) : undefined,
        ...(kind === "contexts" && isMap(body)
          ? { cluster: scalarString(body.get("cluster", true)), user: scalarString(body.get("user", true)) }
          : {}),
      },
    ];
  });
}

/** A marker is honoured only when every field is a string: a hand-edited one is not ours to act on. */
function markerIn(body: YAMLMap): FleetMarker | undefined {
  const extensions = body.get("extensions", true);
  if (!isSeq(extensions)) return undefined;
  for (const ext of extensions.items) {
    if (!isMap(ext) || scalarString(ext.get("name", true)) !== FLEET_MARKER) continue;
    const value = ext.get("extension", true);
    if (!isMap(value)) return undefined;
    const field = (key: string) => scalarString(value.get(key, true));
    const [source, account, region, clusterArn, managedName] = [
      "source",
      "account",
      "region",
      "clusterArn",
      "managedName",
    ].map(field);
    if (!source || !account || !region || !clusterArn || !managedName) return undefined;
    const role = field("role");
    const profile = field("profile");
    return {
      source,
      account,
      region,
      ...(role !== undefined ? { role } : {}),
      ...(profile !== undefined ? { profile } : {}),
      clusterArn,
      managedName,
    };
  }
  return undefined;
}

export type EntryChange = "added" | "updated" | "unchanged";

/**
 * Puts the entry's context, cluster and user in place (appending new ones, changing only the owned
 * fields of existing marked ones) and says what happened. The caller has checked that any
 * same-named existing entry is marked.
 */
export function upsertFleetEntry(doc: KubeconfigDocument, entry: FleetEntry): EntryChange {
  const marker = (managedName: string) => ({ ...entry.marker, managedName });
  const results = [
    upsert(doc, "clusters", entry.clusterEntry, {
      "certificate-authority-data": entry.caData,
      server: entry.server,
      marker: marker(entry.clusterEntry),
    }),
    upsert(doc, "users", entry.userEntry, { exec: entry.exec, marker: marker(entry.userEntry) }),
    upsert(doc, "contexts", entry.context, {
      cluster: entry.clusterEntry,
      user: entry.userEntry,
      marker: marker(entry.context),
    }),
  ];
  if (results[2] === "added") return "added";
  return results.some((r) => r !== "unchanged") ? "updated" : "unchanged";
}

type Owned = Record<string, unknown> & { marker: FleetMarker };

function upsert(doc: KubeconfigDocument, kind: Kind, name: string, owned: Owned): EntryChange {
  const seq = listAt(doc, kind);
  const index = indexByName(seq, name);
  const { marker, ...fields } = owned;
  if (index === -1) {
    // Keys in kubectl's order: the body (its fields, then extensions), then the name.
    const body = { ...fields, extensions: [{ extension: marker, name: FLEET_MARKER }] };
    seq.items.push(createSafeNode(doc, { [BODY[kind]]: body, name }));
    return "added";
  }
  const item = seq.items[index] as YAMLMap;
  const found: unknown = item.get(BODY[kind], true);
  let map: YAMLMap;
  if (isMap(found)) map = found;
  else {
    map = createSafeNode(doc, {}) as YAMLMap;
    item.set(BODY[kind], map);
  }
  let changed = false;
  for (const [key, value] of Object.entries(fields)) {
    if (sameValue(map.get(key, true), value)) continue;
    map.set(key, createSafeNode(doc, value));
    changed = true;
  }
  const existing: unknown = map.get("extensions", true);
  let list: YAMLSeq;
  if (isSeq(existing)) list = existing;
  else {
    list = new YAMLSeq(doc.schema);
    map.set("extensions", list);
  }
  const at = list.items.findIndex((e) => isMap(e) && scalarString(e.get("name", true)) === FLEET_MARKER);
  const current = at === -1 ? undefined : (list.items[at] as YAMLMap).get("extension", true);
  if (!sameValue(current, marker)) {
    const node = createSafeNode(doc, { extension: marker, name: FLEET_MARKER });
    if (at === -1) list.items.push(node);
    else list.items[at] = node;
    changed = true;
  }
  return changed ? "updated" : "unchanged";
}

function sameValue(node: unknown, value: unknown): boolean {
  if (node === undefined) return false;
  const js = typeof (node as Node).toJSON === "function" ? (node as Node).toJSON() : node;
  return canonical(js) === canonical(value);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Removes the named entry of `kind`; true when there was one. */
export function removeEntry(doc: KubeconfigDocument, kind: Kind, name: string): boolean {
  const seq = listAt(doc, kind);
  const index = indexByName(seq, name);
  if (index === -1) return false;
  seq.items.splice(index, 1);
  return true;
}
