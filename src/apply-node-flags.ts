// Imported first by main.ts, for its effect: the V8 settings are in place (src/node-flags.ts)
// before any other module of the operator is evaluated.
import { applyNodeFlags } from './node-flags.js';

applyNodeFlags();
