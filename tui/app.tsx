import {Box, Text, useApp, useInput} from 'ink'
import {type ReactNode, useCallback, useMemo, useState} from 'react'

import {ConfirmView, type ConfirmRequest} from './components/confirm-view.js'
import {HelpView} from './components/help-view.js'
import {HintBar} from './components/hint-bar.js'
import {StatusLine} from './components/status-line.js'
import {useLineInput} from './hooks/use-line-input.js'
import {useNow} from './hooks/use-now.js'
import {usePoll} from './hooks/use-poll.js'
import {useTerminalSize} from './hooks/use-terminal-size.js'
import {actionFor, chordMatches, jumpSuggestions, resolveJump, SCREENS, type ScreenId} from './keymap.js'
import {CostsScreen} from './screens/costs-screen.js'
import {InventoryScreen} from './screens/inventory-screen.js'
import type {InventoryQuery} from './screens/inventory-state.js'
import {SessionsScreen} from './screens/sessions-screen.js'
import {useServices, type UiMemory} from './services.js'
import {ShellProvider, type PromptRequest, type Shell, type Tone} from './shell.js'

type Overlay =
  | {kind: 'help'}
  | {kind: 'command'; text: string}
  | {kind: 'filter'}
  | {kind: 'prompt'; request: PromptRequest; text: string; error: string | null}
  | {kind: 'confirm'; request: ConfirmRequest}
  | {kind: 'form'; render: (close: () => void) => ReactNode}

const HEALTH_POLL_MS = 5000

/**
 * The dashboard: a status line, one screen, a prompt or message line and the hint bar. Overlays
 * (help, a confirmation, the provision form) take the screen's place while it stays mounted,
 * so its data keeps loading underneath.
 */
export function App() {
  const services = useServices()
  const {exit} = useApp()
  const size = useTerminalSize()
  const now = useNow(1000)
  const [memory, setMemoryState] = useState<UiMemory>(services.memory)
  const [overlay, setOverlay] = useState<Overlay | null>(null)
  const [message, setMessage] = useState<{text: string; tone: Tone} | null>(() => {
    const notice = services.notice
    services.notice = null
    return notice
  })
  const health = usePoll((signal) => services.client.health({signal}), HEALTH_POLL_MS, [], services.now)

  const setMemory = useCallback(
    (update: (m: UiMemory) => UiMemory) => {
      setMemoryState((current) => {
        const next = update(current)
        // Kept outside React too, so the dashboard comes back as it was after ssh.
        Object.assign(services.memory, next)
        return next
      })
    },
    [services.memory],
  )

  const goTo = useCallback((screen: ScreenId) => setMemory((m) => ({...m, screen})), [setMemory])
  const close = useCallback(() => setOverlay(null), [])

  const shell = useMemo<Shell>(
    () => ({
      prompt: (request) => setOverlay({kind: 'prompt', request, text: request.initial ?? '', error: null}),
      confirm: (request) => setOverlay({kind: 'confirm', request}),
      form: (render) => setOverlay({kind: 'form', render}),
      filter: () => setOverlay({kind: 'filter'}),
      notify: (text, tone = 'info') => setMessage({text, tone}),
      goTo,
    }),
    [goTo],
  )

  const filterText = memory.screen === 'sessions' ? memory.sessions.text : memory.inventory.text
  const setFilterText = (text: string) =>
    setMemory((m) => (m.screen === 'sessions' ? {...m, sessions: {...m.sessions, text}} : {...m, inventory: {...m.inventory, text}}))

  // Ctrl-C quits from anywhere, also from inside a form or a prompt.
  useInput((input, key) => {
    if (chordMatches('ctrl+c', input, key)) exit()
  })

  useInput(
    (input, key) => {
      const action = actionFor(memory.screen, input, key)?.action
      if (!action) return
      if (action === 'quit') return exit()
      if (action === 'help') return setOverlay({kind: 'help'})
      if (action === 'command') return setOverlay({kind: 'command', text: ''})
      if (action === 'screen.next') return goTo(SCREENS[(SCREENS.indexOf(memory.screen) + 1) % SCREENS.length]!)
      if (action.startsWith('screen.')) return goTo(action.slice(7) as ScreenId)
    },
    {isActive: overlay === null},
  )

  useInput(
    (input, key) => {
      if (key.escape || input === '?' || input === 'q') close()
    },
    {isActive: overlay?.kind === 'help'},
  )

  useLineInput(
    {
      value: overlay?.kind === 'command' ? overlay.text : '',
      onChange: (text) => setOverlay({kind: 'command', text}),
      onCancel: close,
      onSubmit: (text) => {
        const target = resolveJump(text) ?? resolveJump(jumpSuggestions(text)[0] ?? '')
        if (target === 'quit') return exit()
        if (target === 'help') return setOverlay({kind: 'help'})
        close()
        if (target) goTo(target)
        else if (text.trim()) setMessage({text: `No screen "${text.trim()}": try :inventory, :sessions, :costs or :quit.`, tone: 'error'})
      },
    },
    overlay?.kind === 'command',
  )

  useLineInput(
    {
      value: filterText,
      onChange: setFilterText,
      onCancel: () => {
        setFilterText('')
        close()
      },
      onSubmit: close,
    },
    overlay?.kind === 'filter',
  )

  useLineInput(
    {
      value: overlay?.kind === 'prompt' ? overlay.text : '',
      accept: overlay?.kind === 'prompt' ? overlay.request.accept : undefined,
      onChange: (text) => overlay?.kind === 'prompt' && setOverlay({...overlay, text, error: null}),
      onCancel: close,
      onSubmit: (text) => {
        if (overlay?.kind !== 'prompt') return
        const error = overlay.request.onSubmit(text)
        if (error) setOverlay({...overlay, error})
        else close()
      },
    },
    overlay?.kind === 'prompt',
  )

  // One line each for the status, the prompt or message, and the hints; the last terminal row
  // stays free so Ink never has to clear the whole screen to redraw.
  const bodyHeight = Math.max(4, size.rows - 4)
  const width = size.columns
  const screenActive = overlay === null
  const bodyHidden = overlay?.kind === 'help' || overlay?.kind === 'confirm' || overlay?.kind === 'form'

  return (
    <ShellProvider value={shell}>
      <Box flexDirection="column" width={width} height={size.rows - 1}>
        <StatusLine serverUrl={services.serverUrl} health={health.data} healthError={health.error} now={now} width={width} />
        <Box display={bodyHidden ? 'none' : 'flex'} flexDirection="column" height={bodyHeight}>
          {memory.screen === 'inventory' ? (
            <InventoryScreen
              active={screenActive}
              height={bodyHeight}
              width={width}
              query={memory.inventory}
              onQuery={(query: InventoryQuery) => setMemory((m) => ({...m, inventory: {...m.inventory, ...query}}))}
              selectedId={memory.inventory.selectedId}
              onSelect={(selectedId) => setMemory((m) => ({...m, inventory: {...m.inventory, selectedId}}))}
              onProvisioned={(sessionId) => setMemory((m) => ({...m, screen: 'sessions', sessions: {...m.sessions, selectedId: sessionId, text: ''}}))}
            />
          ) : null}
          {memory.screen === 'sessions' ? (
            <SessionsScreen
              active={screenActive}
              height={bodyHeight}
              width={width}
              text={memory.sessions.text}
              onText={(text) => setMemory((m) => ({...m, sessions: {...m.sessions, text}}))}
              showEnded={memory.sessions.showEnded}
              onShowEnded={(showEnded) => setMemory((m) => ({...m, sessions: {...m.sessions, showEnded}}))}
              selectedId={memory.sessions.selectedId}
              onSelect={(selectedId) => setMemory((m) => ({...m, sessions: {...m.sessions, selectedId}}))}
            />
          ) : null}
          {memory.screen === 'costs' ? <CostsScreen active={screenActive} height={bodyHeight} width={width} /> : null}
        </Box>
        {bodyHidden ? (
          <Box flexDirection="column" height={bodyHeight} overflow="hidden">
            {overlay.kind === 'help' ? <HelpView screen={memory.screen} height={bodyHeight} /> : null}
            {overlay.kind === 'confirm' ? <ConfirmView request={overlay.request} onClose={close} height={bodyHeight} /> : null}
            {overlay.kind === 'form' ? overlay.render(close) : null}
          </Box>
        ) : null}
        <Box height={1} width={width} overflow="hidden">{bottomLine(overlay, filterText, message)}</Box>
        <HintBar screen={memory.screen} width={width} />
      </Box>
    </ShellProvider>
  )
}

function bottomLine(overlay: Overlay | null, filterText: string, message: {text: string; tone: Tone} | null): ReactNode {
  if (overlay?.kind === 'command') {
    const suggestions = jumpSuggestions(overlay.text)
    return (
      <Text wrap="truncate">
        <Text color="cyan">{`:${overlay.text}▏`}</Text>
        <Text dimColor>{`  ${suggestions.join(' ')}`}</Text>
      </Text>
    )
  }
  if (overlay?.kind === 'filter') {
    return (
      <Text wrap="truncate" color="cyan">
        {`/${filterText}▏`}
        <Text dimColor>{'  enter keep · esc clear'}</Text>
      </Text>
    )
  }
  if (overlay?.kind === 'prompt') {
    return (
      <Text wrap="truncate">
        <Text color="cyan">{`${overlay.request.label}: ${overlay.text}▏`}</Text>
        {overlay.error ? <Text color="red">{`  ${overlay.error}`}</Text> : <Text dimColor>{'  enter ok · esc cancel'}</Text>}
      </Text>
    )
  }
  if (!message) return <Text> </Text>
  return (
    <Text wrap="truncate" color={message.tone === 'error' ? 'red' : message.tone === 'success' ? 'green' : undefined}>
      {message.text}
    </Text>
  )
}
