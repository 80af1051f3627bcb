// SVG: the DOT graph laid out by Graphviz compiled to WebAssembly (@viz-js/viz), loaded on demand.
import type { Matrix } from '../../analysis/index.js';
import { dotGraph } from './graph.js';

export async function svgGraph(matrix: Matrix): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  // An accessible name for the picture (Graphviz writes none on the <svg> element itself).
  const svg = viz
    .renderString(dotGraph(matrix), { format: 'svg', engine: 'dot' })
    .replace('<svg ', '<svg role="img" aria-label="Allowed flows between workloads, by namespace" ');
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}
