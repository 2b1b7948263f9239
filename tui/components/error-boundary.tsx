import {Box, Text, useApp, useInput} from 'ink'
import {Component, type ReactNode} from 'react'

import {errorText} from '../model/error-text.js'

interface State {
  error: unknown
}

function Crashed({error, onRetry}: {error: unknown; onRetry(): void}) {
  const {exit} = useApp()
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) exit()
    if (input === 'r') onRetry()
  })
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      <Text bold color="red">
        The dashboard hit an unexpected error; no action was taken because of it.
      </Text>
      <Text>{errorText(error)}</Text>
      <Text dimColor>r: try again · q: quit (sessions keep running; `gpu-shopper sessions` lists them)</Text>
    </Box>
  )
}

/** A render error becomes a message with a way out, never a stack trace over a broken screen. */
export class ErrorBoundary extends Component<{children: ReactNode}, State> {
  override state: State = {error: null}

  static getDerivedStateFromError(error: unknown): State {
    return {error}
  }

  override render() {
    if (this.state.error !== null) return <Crashed error={this.state.error} onRetry={() => this.setState({error: null})} />
    return this.props.children
  }
}
