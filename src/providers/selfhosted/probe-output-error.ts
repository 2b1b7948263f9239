/**
 * The host probe's output could not be read. Names the line, so a host whose sysfs or shell
 * differs from what the probe expects shows exactly where, instead of a wrong report.
 */
export class ProbeOutputError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    readonly problem: string,
  ) {
    super(`host probe output, line ${lineNumber}: ${problem}: ${JSON.stringify(line)}`)
    this.name = 'ProbeOutputError'
  }
}
