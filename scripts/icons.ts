// `npm run icons`: draws the extension logo (images/extension-icon.png, 128×128) and each task's
// tasks/<Name>V<N>/icon.png (32×32) that does not exist yet (--force redraws all). A white glyph on an
// Azure-blue rounded square; the glyph is chosen from the task's name so each task is recognisable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodePng } from './png';
import { parseCommandLine, runScript } from './cli';
import { REPO_ROOT, SOURCE_TASKS_ROOT, listTaskFolders } from './taskFolders';

export const LOGO_FILE = path.join(REPO_ROOT, 'images', 'extension-icon.png');

/** A shape is a point-in test on the unit square (x right, y down). */
type Shape = (x: number, y: number) => boolean;
type Point = [number, number];

const disc = (cx: number, cy: number, r: number): Shape => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const union = (...shapes: Shape[]): Shape => (x, y) => shapes.some((s) => s(x, y));

/** A stroke of width w from a to b with round caps. */
function line([ax, ay]: Point, [bx, by]: Point, w: number): Shape {
  const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
  return (x, y) => {
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
  };
}

const polyline = (points: Point[], w: number, closed = false): Shape =>
  union(...points.slice(0, closed ? undefined : -1).map((p, i) => line(p, points[(i + 1) % points.length], w)));

/** Even-odd filled polygon. */
function polygon(points: Point[]): Shape {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i], [xj, yj] = points[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

const rect = (x0: number, y0: number, x1: number, y1: number): Shape => polygon([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);

function roundedRect(x0: number, y0: number, x1: number, y1: number, r: number): Shape {
  return (x, y) => {
    const qx = Math.max(x0 + r - x, 0, x - (x1 - r)), qy = Math.max(y0 + r - y, 0, y - (y1 - r));
    return x >= x0 && x <= x1 && y >= y0 && y <= y1 && qx * qx + qy * qy <= r * r;
  };
}

const STROKE = 0.065;

/** Graph glyphs: nodes joined by edges. */
function graph(nodes: Point[], edges: [number, number][], nodeRadius: number): Shape {
  return union(...edges.map(([a, b]) => line(nodes[a], nodes[b], STROKE * 0.7)), ...nodes.map(([x, y]) => disc(x, y, nodeRadius)));
}

const GLYPHS: Record<string, Shape> = {
  // An ML pipeline: a small DAG. The extension logo and the fallback for tasks without a glyph of their own.
  pipeline: graph([[0.24, 0.5], [0.5, 0.3], [0.5, 0.7], [0.76, 0.5]], [[0, 1], [0, 2], [1, 3], [2, 3], [1, 2]], 0.085),
  // The workspace: an isometric cube.
  workspace: union(
    polyline([[0.5, 0.2], [0.76, 0.35], [0.76, 0.65], [0.5, 0.8], [0.24, 0.65], [0.24, 0.35]], STROKE, true),
    polyline([[0.24, 0.35], [0.5, 0.5], [0.76, 0.35]], STROKE),
    line([0.5, 0.5], [0.5, 0.8], STROKE),
  ),
  // Compute: a chip with pins.
  compute: union(
    polyline([[0.32, 0.32], [0.68, 0.32], [0.68, 0.68], [0.32, 0.68]], STROKE, true),
    rect(0.43, 0.43, 0.57, 0.57),
    ...[0.41, 0.59].flatMap((p): Shape[] => [
      line([p, 0.18], [p, 0.3], STROKE), line([p, 0.7], [p, 0.82], STROKE),
      line([0.18, p], [0.3, p], STROKE), line([0.7, p], [0.82, p], STROKE),
    ]),
  ),
  // A job: run.
  job: polygon([[0.34, 0.24], [0.34, 0.76], [0.78, 0.5]]),
  // A model: a small neural network.
  model: graph([[0.3, 0.34], [0.3, 0.66], [0.7, 0.26], [0.7, 0.5], [0.7, 0.74]], [[0, 2], [0, 3], [0, 4], [1, 2], [1, 3], [1, 4]], 0.075),
  // A deployment: shipped upwards.
  deploy: union(line([0.5, 0.7], [0.5, 0.26], STROKE), polyline([[0.32, 0.44], [0.5, 0.26], [0.68, 0.44]], STROKE), line([0.26, 0.8], [0.74, 0.8], STROKE)),
  // A rollout: traffic in steps.
  // A clock face: a ring and two hands.
  schedule: union((x, y) => disc(0.5, 0.5, 0.32)(x, y) && !disc(0.5, 0.5, 0.24)(x, y), line([0.5, 0.5], [0.5, 0.32], STROKE), line([0.5, 0.5], [0.64, 0.58], STROKE)),
  rollout: union(rect(0.24, 0.6, 0.36, 0.78), rect(0.44, 0.44, 0.56, 0.78), rect(0.64, 0.24, 0.76, 0.78)),
  // A gate: a check.
  gate: union(
    (x, y) => Math.abs(Math.hypot(x - 0.5, y - 0.5) - 0.28) <= STROKE / 2,
    polyline([[0.38, 0.51], [0.47, 0.6], [0.63, 0.42]], STROKE),
  ),
  // Batch scoring: rows of data going through.
  batch: union(...[0.3, 0.5, 0.7].map((y) => line([0.24, y], [0.6, y], STROKE)), polyline([[0.66, 0.36], [0.8, 0.5], [0.66, 0.64]], STROKE)),
};

/** The glyph for a task folder name; the first matching word wins. */
export function glyphNameFor(folder: string): string {
  const rules: [RegExp, string][] = [
    [/workspace/i, 'workspace'], [/compute/i, 'compute'], [/rollout|traffic/i, 'rollout'], [/schedule/i, 'schedule'], [/gate|check|health/i, 'gate'],
    [/deploy|endpoint/i, 'deploy'], [/model/i, 'model'], [/job|run/i, 'job'],
    [/batch/i, 'batch'],
  ];
  return rules.find(([pattern]) => pattern.test(folder))?.[1] ?? 'pipeline';
}

const BACKGROUND = roundedRect(0.02, 0.02, 0.98, 0.98, 0.2);
const TOP_COLOUR = [0x1f, 0x9b, 0xf0];
const BOTTOM_COLOUR = [0x00, 0x5b, 0xa8];
const SUPERSAMPLING = 4;

/** Renders a glyph at size×size: coverage by supersampling, a vertical gradient behind a white glyph. */
export function drawIcon(glyphName: string, size: number): Buffer {
  const glyph = GLYPHS[glyphName];
  const rgba = new Uint8Array(size * size * 4);
  const samples = SUPERSAMPLING * SUPERSAMPLING;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let background = 0, white = 0;
      for (let s = 0; s < samples; s++) {
        const x = (px + ((s % SUPERSAMPLING) + 0.5) / SUPERSAMPLING) / size;
        const y = (py + (Math.floor(s / SUPERSAMPLING) + 0.5) / SUPERSAMPLING) / size;
        if (!BACKGROUND(x, y)) continue;
        background++;
        if (glyph(x, y)) white++;
      }
      const t = py / (size - 1), glyphShare = background ? white / background : 0, offset = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) {
        const base = TOP_COLOUR[c] + (BOTTOM_COLOUR[c] - TOP_COLOUR[c]) * t;
        rgba[offset + c] = Math.round(base + (255 - base) * glyphShare);
      }
      rgba[offset + 3] = Math.round((255 * background) / samples);
    }
  }
  return encodePng(size, size, rgba);
}

function writeIcon(file: string, glyphName: string, size: number, force: boolean): void {
  if (fs.existsSync(file) && !force) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, drawIcon(glyphName, size));
  console.log(`drew ${path.relative(REPO_ROOT, file)} (${glyphName}, ${size}×${size})`);
}

if (require.main === module) {
  runScript(async () => {
    const { values } = parseCommandLine(process.argv.slice(2), { force: { type: 'boolean' } }, 'icons.ts [--force]');
    writeIcon(LOGO_FILE, 'pipeline', 128, values.force ?? false);
    for (const task of listTaskFolders(SOURCE_TASKS_ROOT, { includeUnfinished: true })) {
      writeIcon(path.join(task.dir, 'icon.png'), glyphNameFor(task.folder), 32, values.force ?? false);
    }
  });
}
