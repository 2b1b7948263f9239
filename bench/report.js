// One row of the summary `npm run bench` prints at the end: every bench reports its measures
// here as well as in its own output. `bench/run.js` collects the rows (a JSON line each, in the
// file named by GPU_SHOPPER_BENCH_ROWS) and prints them side by side in one table.
import {appendFileSync} from 'node:fs'

/**
 * @param {{measure: string, value: string, target: string, met: boolean | null}} row
 *   `measure` names what was measured, `value` the figure as printed (with its unit or ratio),
 *   `target` the goal as printed ("≤ 50 ms"), `met` whether it holds (null: no target).
 */
export function reportRow(row) {
  const file = process.env.GPU_SHOPPER_BENCH_ROWS
  if (file) appendFileSync(file, JSON.stringify(row) + '\n')
}
