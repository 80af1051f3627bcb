// The operator's entry point: the V8 settings first (src/node-flags.ts: a process started without
// them replaces itself), then the composition root. The root is imported dynamically so that a
// process about to replace itself has loaded nothing else: an ESM module's static imports are all
// read and compiled before any of them runs, which cost the replaced process ~120 ms (measured:
// 300 ms to the first log line against 177 ms without the replacement).
import { applyNodeFlags } from './node-flags.js';

applyNodeFlags();
await import('./operator-main.js');
