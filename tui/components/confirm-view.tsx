import {Box, Text} from 'ink'

import type {ConfirmRequest} from '../confirm-request.js'
import {useOverlayKeys} from '../shell.js'

/** A dangerous action's last stop: only y goes ahead; n, Esc or anything else backs out. */
export function ConfirmView({request, onClose, height}: {request: ConfirmRequest; onClose(): void; height: number}) {
  useOverlayKeys((input) => {
    onClose()
    if (input === 'y' || input === 'Y') request.onYes()
  })
  return (
    <Box flexDirection="column" height={height} borderStyle="round" borderColor="red" paddingX={1}>
      <Text bold color="red">
        {request.title}
      </Text>
      {request.lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text>
        <Text bold color="red">
          y
        </Text>
        {` ${request.yes}   `}
        <Text bold>n</Text>
        {' / esc  cancel'}
      </Text>
    </Box>
  )
}
