// RSS of what the operator cannot go below (Node 24 with @kubernetes/client-node imported) and of
// the operator with nothing to manage, measured in the same run, alternately, before the
// benchmark's objects exist.
import { rssBytes } from './proc-stats.js';
import type { SideProcess } from './sides.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

export interface MemoryFloor {
  runtimeFloorMb: number[];
  emptyOperatorMb: number[];
}

export async function measureMemoryFloor(
  rounds: number,
  settleMs: number,
  startRuntimeFloor: () => Promise<SideProcess>,
  startEmptyOperator: () => Promise<SideProcess>,
): Promise<MemoryFloor> {
  const result: MemoryFloor = { runtimeFloorMb: [], emptyOperatorMb: [] };
  for (let i = 0; i < rounds; i++) {
    const runtime = await startRuntimeFloor();
    await sleep(settleMs);
    result.runtimeFloorMb.push(rssBytes(runtime.pid) / MB);
    await runtime.stop();
    const operator = await startEmptyOperator();
    await operator.idle();
    await sleep(settleMs);
    result.emptyOperatorMb.push(rssBytes(operator.pid) / MB);
    await operator.stop();
  }
  return result;
}
