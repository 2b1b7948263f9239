import {Box, Text} from 'ink'

import type {ConfirmRequest} from '../confirm-request.js'

/**
 * A dangerous action's last stop: only y goes ahead; n, Esc or anything else backs out. It only
 * shows the question: the dispatcher (app.tsx) reads the answer and runs the action.
 */
export function ConfirmView({request, height}: {request: ConfirmRequest; height: number}) {
  return (
    <Box flexDirection="column" height={height} borderStyle="round" borderColor="red" paddingX={1}>
      <Text bold color="red">
        {request.title}
      </Text>
      {request.lines.map((line, i) => (
        // Wrapped, not cut: a confirmation must say everything it promises (the expected cost).
        <Text key={i} wrap="wrap">
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
        {` / esc  ${request.no ?? 'cancel'}`}
      </Text>
    </Box>
  )
}
