/** A horizontal bar of `width` cells for value/max, in eighths so small differences show. */
export function bar(value: number, max: number, width: number): string {
  if (width <= 0 || max <= 0 || value <= 0) return ''
  const eighths = Math.round((Math.min(value, max) / max) * width * 8)
  const full = Math.floor(eighths / 8)
  const rest = eighths % 8
  return '█'.repeat(full) + (rest ? '▏▎▍▌▋▊▉'[rest - 1]! : '')
}

/** How much of a budget is used, as a gauge: filled for spent, shaded for committed. */
export function gauge(spent: number, committed: number, limit: number, width: number): string {
  if (width <= 0) return ''
  if (limit <= 0) return '█'.repeat(width)
  const used = Math.min(width, Math.round((spent / limit) * width))
  const held = Math.min(width - used, Math.round((committed / limit) * width))
  return '█'.repeat(used) + '▒'.repeat(held) + '░'.repeat(width - used - held)
}

/** Every day of a UTC month up to `today` (YYYY-MM-DD), so days without spend still show. */
export function monthDays(now: number): string[] {
  const today = new Date(now)
  const days: string[] = []
  for (let d = 1; d <= today.getUTCDate(); d++) {
    days.push(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), d)).toISOString().slice(0, 10))
  }
  return days
}
