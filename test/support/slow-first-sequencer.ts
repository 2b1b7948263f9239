import {BaseSequencer, type TestSpecification} from 'vitest/node'

/**
 * The files that take longest, started first, in this order: the suite's wall time is then
 * about its total work over the workers, instead of one long file starting last and running
 * alone (on a fresh clone vitest has no timings yet and starts the largest files first). The VM
 * file waits mostly on a guest booting under TCG, so the other workers get through the rest
 * meanwhile.
 */
export const SLOW_FILES = [
  'test/e2e/multi-process.test.ts',
  'test/e2e/selfhosted-slice.test.ts',
  'test/e2e/selfhosted-slice-crash.test.ts',
  'test/e2e/crash-recovery.test.ts',
  'test/e2e/json-contract-cli.test.ts',
  'test/e2e/budgets-reconcile-cli.test.ts',
  'test/e2e/newcomer-flow.test.ts',
  'test/e2e/simulate-restart.test.ts',
  'test/e2e/auth-cli.test.ts',
  'test/e2e/team-quickstart-cli.test.ts',
  'test/e2e/access-cli.test.ts',
]

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = SLOW_FILES.findIndex((slow) => file.moduleId.endsWith(`/${slow}`))
      return index === -1 ? SLOW_FILES.length : index
    }
    const sorted = await super.sort(files)
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b))
  }
}
