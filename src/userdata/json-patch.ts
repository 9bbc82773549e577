// #cloud-config-jsonp parts: an RFC 6902 JSON Patch applied to the cloud-config merged so far.
import { isPlainObject } from "../config/yaml";

type Doc = Record<string, unknown> | unknown[];

export function applyJsonPatch(target: Record<string, unknown>, patch: unknown): Record<string, unknown> {
  if (!Array.isArray(patch)) throw new Error("a JSON Patch must be a list of operations");
  let doc: unknown = structuredClone(target);
  for (const [i, op] of patch.entries()) {
    if (!isPlainObject(op) || typeof op.op !== "string" || typeof op.path !== "string") throw new Error(`operation ${i} needs "op" and "path"`);
    doc = applyOne(doc, op, i);
  }
  if (!isPlainObject(doc)) throw new Error("the patched cloud-config is not a mapping");
  return doc;
}

function applyOne(doc: unknown, op: Record<string, unknown>, i: number): unknown {
  const path = op.path as string;
  switch (op.op) {
    case "add":
      return put(doc, path, op.value, "add", i);
    case "replace":
      get(doc, path, i);
      return put(doc, path, op.value, "replace", i);
    case "remove":
      return remove(doc, path, i);
    case "move":
    case "copy": {
      const value = structuredClone(get(doc, String(op.from), i));
      const base = op.op === "move" ? remove(doc, String(op.from), i) : doc;
      return put(base, path, value, "add", i);
    }
    case "test":
      if (JSON.stringify(get(doc, path, i)) !== JSON.stringify(op.value)) throw new Error(`operation ${i}: test of ${path} failed`);
      return doc;
    default:
      throw new Error(`operation ${i}: unknown op ${String(op.op)}`);
  }
}

function tokens(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`path ${path} must start with "/"`);
  return path.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: unknown, path: string, i: number): [Doc, string] {
  const parts = tokens(path);
  const last = parts.pop();
  if (last === undefined) throw new Error(`operation ${i}: the root cannot be the target`);
  const parent = parts.reduce<unknown>((node, key) => step(node, key, path, i), doc);
  if (!isPlainObject(parent) && !Array.isArray(parent)) throw new Error(`operation ${i}: ${path} has no container`);
  return [parent, last];
}

function step(node: unknown, key: string, path: string, i: number): unknown {
  if (Array.isArray(node)) return node[Number(key)];
  if (isPlainObject(node) && key in node) return node[key];
  throw new Error(`operation ${i}: ${path} does not exist`);
}

function get(doc: unknown, path: string, i: number): unknown {
  return tokens(path).reduce<unknown>((node, key) => step(node, key, path, i), doc);
}

function put(doc: unknown, path: string, value: unknown, mode: "add" | "replace", i: number): unknown {
  if (path === "") return value;
  const [parent, key] = parentOf(doc, path, i);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new Error(`operation ${i}: bad index in ${path}`);
    if (mode === "add") parent.splice(index, 0, value);
    else parent[index] = value;
  } else parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string, i: number): unknown {
  const [parent, key] = parentOf(doc, path, i);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (key in parent) delete parent[key];
  else throw new Error(`operation ${i}: ${path} does not exist`);
  return doc;
}
