// The layer rule of tasks/ (DEVELOPERS.md, "Architecture we hold to") as data, and a checker over an import
// graph. Each folder of tasks/common is a layer; a module may import its own layer and the layers below it.
// Any folder not in the table is a feature: features sit on top and never import one another.
import * as fs from "node:fs";
import * as path from "node:path";

/** Lowest first. */
export const LAYERS = ["platform", "azure", "workspace", "jobSpec", "deploySpec"] as const;

/** An import edge between two files, as paths relative to tasks/ with '/' separators. */
export interface ImportEdge {
  from: string;
  to: string;
}

type Place = { kind: "layer"; name: string; rank: number } | { kind: "feature"; name: string } | { kind: "task"; name: string } | { kind: "loose" };

const FEATURE_RANK = LAYERS.length;

function placeOf(file: string): Place {
  const parts = file.split("/");
  if (parts[0] !== "common") return { kind: "task", name: parts[0] };
  if (parts.length < 3) return { kind: "loose" };
  const rank = (LAYERS as readonly string[]).indexOf(parts[1]);
  return rank >= 0 ? { kind: "layer", name: parts[1], rank } : { kind: "feature", name: parts[1] };
}

const describe = (place: Place): string => (place.kind === "loose" ? "no layer" : `${place.kind} ${place.name}`);

/** Why an edge breaks the rule, or undefined when it keeps it. */
export function violation(edge: ImportEdge): string | undefined {
  const from = placeOf(edge.from);
  const to = placeOf(edge.to);
  const broken = (why: string) => `${edge.from} imports ${edge.to}: ${why}`;
  if (from.kind === "loose" || to.kind === "loose") return broken(`tasks/common/ modules belong in a layer folder (${LAYERS.join(", ")} or a feature)`);
  if (from.kind === "task") return to.kind === "task" && to.name !== from.name ? broken("a task imports only tasks/common, never another task") : undefined;
  if (to.kind === "task") return broken("the core never imports a task's entry point");
  if (from.kind === "feature") {
    return to.kind === "feature" && to.name !== from.name ? broken(`feature ${from.name} imports feature ${to.name}; move what both need into a layer below`) : undefined;
  }
  const toRank = to.kind === "layer" ? to.rank : FEATURE_RANK;
  return toRank > from.rank ? broken(`${describe(from)} imports ${describe(to)}, which is above it (order: ${LAYERS.join(" < ")} < features)`) : undefined;
}

export function violations(edges: readonly ImportEdge[]): string[] {
  return edges.map(violation).filter((v): v is string => v !== undefined);
}

// import … from "x", export … from "x", import "x", import("x"), require("x")
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g;

/** Module specifiers a TypeScript file names, comments left out. */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return [...code.matchAll(SPECIFIER)].map((match) => match[2]);
}

function resolveModule(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [`${base}.ts`, path.join(base, "index.ts"), base].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? tsFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Every relative import between files under tasksDir (imports of packages and of files outside it are not edges). */
export function readImportGraph(tasksDir: string): ImportEdge[] {
  const relative = (file: string) => path.relative(tasksDir, file).split(path.sep).join("/");
  return tsFiles(tasksDir).flatMap((file) =>
    importSpecifiers(fs.readFileSync(file, "utf8"))
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => resolveModule(file, specifier))
      .filter((target): target is string => target !== undefined && !relative(target).startsWith(".."))
      .map((target) => ({ from: relative(file), to: relative(target) })),
  );
}
