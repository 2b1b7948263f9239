import {Box, Text} from 'ink'

import {helpSections, SCREEN_TITLES, type ScreenId} from '../keymap.js'
import {fit} from './fit.js'

/** Every key of this screen and the global ones, from the keymap. Esc or ? closes it. */
export function HelpView({screen, height}: {screen: ScreenId; height: number}) {
  const lines: Array<{key: string; text: string; bold?: boolean; danger?: boolean}> = []
  for (const section of helpSections(screen)) {
    lines.push({key: `s-${section.title}`, text: section.title, bold: true})
    for (const row of section.rows) {
      lines.push({key: `${section.title}-${row.keys}`, text: `  ${fit(row.keys, 18)} ${row.description}${row.dangerous ? '  (asks first)' : ''}`, danger: row.dangerous})
    }
  }
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold color="cyan">{`Help: ${SCREEN_TITLES[screen]}  (esc or ? to close)`}</Text>
      {lines.slice(0, Math.max(0, height - 1)).map((l) => (
        <Text key={l.key} bold={l.bold} color={l.danger ? 'red' : undefined} wrap="truncate">
          {l.text}
        </Text>
      ))}
    </Box>
  )
}
