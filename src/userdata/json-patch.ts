// #cloud-config-jsonp parts: an RFC 6902 JSON Patch applied to the cloud-config merged so far.
// The patch changes the document in place and is undone when an operation fails, so a patch
// costs its own size, not the document's (thousands of parts stay linear). A path through
// __proto__, constructor or prototype is refused: it would reach Object.prototype.
import { isPlainObject, PROTOTYPE_KEYS } from "../config/yaml";

type Container = Record<string, unknown> | unknown[];
type Undo = () => void;

/** Applies `patch` to `target` (which it changes) and returns the result; all or nothing. */
export function applyJsonPatch(target: Record<string, unknown>, patch: unknown): Record<string, unknown> {
  if (!Array.isArray(patch)) throw new Error("a JSON Patch must be a list of operations");
  let doc: unknown = target;
  const undo: Undo[] = [];
  try {
    for (const [i, op] of patch.entries()) {
      if (!isPlainObject(op) || typeof op.op !== "string" || typeof op.path !== "string") throw new Error(`operation ${i} needs "op" and "path"`);
      doc = applyOne(doc, op, i, undo);
    }
    if (!isPlainObject(doc)) throw new Error("the patched cloud-config is not a mapping");
  } catch (err) {
    for (const step of undo.reverse()) step();
    throw err;
  }
  return doc;
}

function applyOne(doc: unknown, op: Record<string, unknown>, i: number, undo: Undo[]): unknown {
  const path = op.path as string;
  switch (op.op) {
    case "add":
      return put(doc, path, op.value, "add", i, undo);
    case "replace":
      get(doc, path, i);
      return put(doc, path, op.value, "replace", i, undo);
    case "remove":
      remove(doc, path, i, undo);
      return doc;
    case "move":
    case "copy": {
      const from = String(op.from);
      const value = op.op === "copy" ? structuredClone(get(doc, from, i)) : get(doc, from, i);
      if (op.op === "move") remove(doc, from, i, undo);
      return put(doc, path, value, "add", i, undo);
    }
    case "test":
      if (JSON.stringify(get(doc, path, i)) !== JSON.stringify(op.value)) throw new Error(`operation ${i}: test of ${path} failed`);
      return doc;
    default:
      throw new Error(`operation ${i}: unknown op (add, remove, replace, move, copy or test)`);
  }
}

function tokens(path: string, i: number): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`operation ${i}: path ${path} must start with "/"`);
  const parts = path.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  const refused = parts.find((t) => PROTOTYPE_KEYS.has(t));
  if (refused !== undefined) throw new Error(`operation ${i}: path ${path} names ${refused}, which is refused`);
  return parts;
}

function parentOf(doc: unknown, path: string, i: number): [Container, string] {
  const parts = tokens(path, i);
  const last = parts.pop();
  if (last === undefined) throw new Error(`operation ${i}: the root cannot be the target`);
  const parent = parts.reduce<unknown>((node, key) => step(node, key, path, i), doc);
  if (!isPlainObject(parent) && !Array.isArray(parent)) throw new Error(`operation ${i}: ${path} has no container`);
  return [parent, last];
}

function step(node: unknown, key: string, path: string, i: number): unknown {
  if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < node.length) return node[Number(key)];
  if (isPlainObject(node) && Object.hasOwn(node, key)) return node[key];
  throw new Error(`operation ${i}: ${path} does not exist`);
}

function get(doc: unknown, path: string, i: number): unknown {
  return tokens(path, i).reduce<unknown>((node, key) => step(node, key, path, i), doc);
}

function put(doc: unknown, path: string, value: unknown, mode: "add" | "replace", i: number, undo: Undo[]): unknown {
  if (path === "") return value;
  const [parent, key] = parentOf(doc, path, i);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length || (mode === "replace" && index === parent.length)) throw new Error(`operation ${i}: bad index in ${path}`);
    if (mode === "add") {
      parent.splice(index, 0, value);
      undo.push(() => parent.splice(index, 1));
    } else {
      const old = parent[index];
      parent[index] = value;
      undo.push(() => (parent[index] = old));
    }
  } else {
    const had = Object.hasOwn(parent, key);
    const old = parent[key];
    parent[key] = value;
    undo.push(() => (had ? (parent[key] = old) : delete parent[key]));
  }
  return doc;
}

function remove(doc: unknown, path: string, i: number, undo: Undo[]): void {
  const [parent, key] = parentOf(doc, path, i);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) throw new Error(`operation ${i}: ${path} does not exist`);
    const [old] = parent.splice(index, 1);
    undo.push(() => parent.splice(index, 0, old));
  } else if (Object.hasOwn(parent, key)) {
    const old = parent[key];
    delete parent[key];
    undo.push(() => (parent[key] = old));
  } else throw new Error(`operation ${i}: ${path} does not exist`);
}
