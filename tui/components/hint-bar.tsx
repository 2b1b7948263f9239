import {Box, Text} from 'ink'

import {hintsFor, type ScreenId} from '../keymap.js'

/** The keys of this screen, from the keymap; dangerous ones in red. */
export function HintBar({screen, width}: {screen: ScreenId; width: number}) {
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text wrap="truncate">
        {hintsFor(screen).map(({keys, hint, dangerous}) => (
          <Text key={hint}>
            <Text color={dangerous ? 'red' : 'cyan'} bold>
              {`<${keys}>`}
            </Text>
            <Text dimColor>{` ${hint}  `}</Text>
          </Text>
        ))}
      </Text>
    </Box>
  )
}
