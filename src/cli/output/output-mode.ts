import {Flags} from '@oclif/core'

/**
 * The quick start's `--output json|table` (GPUaaS vocabulary). `--output json` prints the API
 * object itself, so `--output json | jq -r .id` works as in the quick start; `--json` keeps
 * the standard `{ok, data, warnings}` envelope and wins when both are given.
 */
export const OUTPUT_FORMATS = ['json', 'table'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export const outputFlag = Flags.string({
  char: 'o',
  description:
    'json: print the object itself on stdout (errors go to stderr, stdout stays empty); table: for people (the default). --json prints the {ok, data, warnings} envelope instead.',
  options: [...OUTPUT_FORMATS],
})

/**
 * The --output value in raw argv. Read from argv rather than the parsed flags because oclif
 * asks whether JSON is on before parsing, and again when parsing itself failed.
 */
export function outputFormatIn(argv: readonly string[]): OutputFormat | undefined {
  let format: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg === '--output' || arg === '-o') format = argv[++i]
    else if (arg.startsWith('--output=')) format = arg.slice('--output='.length)
    else if (arg.startsWith('-o=')) format = arg.slice(3)
    else if (/^-o[a-z]/.test(arg)) format = arg.slice(2)
  }
  return (OUTPUT_FORMATS as readonly string[]).includes(format ?? '') ? (format as OutputFormat) : undefined
}
