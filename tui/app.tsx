import {Box, Text, useApp, useInput} from 'ink'
import {type ReactNode, useCallback, useMemo, useRef, useState} from 'react'

import {ConfirmView} from './components/confirm-view.js'
import {HelpView} from './components/help-view.js'
import {HintBar} from './components/hint-bar.js'
import {StatusLine} from './components/status-line.js'
import {useTerminalSize} from './hooks/use-terminal-size.js'
import type {ConfirmRequest} from './confirm-request.js'
import {actionFor, chordMatches, jumpSuggestions, resolveJump, SCREENS, type Binding, type ScreenId} from './keymap.js'
import {editLine} from './model/line-edit.js'
import {CostsScreen} from './screens/costs-screen.js'
import {InventoryScreen} from './screens/inventory-screen.js'
import {SessionsScreen} from './screens/sessions-screen.js'
import {useServices, type UiMemory} from './services.js'
import {ShellProvider, type AskConfirmation, type KeyHandler, type PromptRequest, type ScreenKeys, type Shell, type Tone} from './shell.js'

type Toast = {text: string; tone: Tone; screen: ScreenId}

type Overlay =
  | {kind: 'help'}
  | {kind: 'command'; text: string}
  | {kind: 'filter'}
  | {kind: 'prompt'; request: PromptRequest; text: string; error: string | null}
  | FormOverlay
  /** `form`: the form that asked, kept mounted (hidden) underneath and shown again after the answer. */
  | {kind: 'confirm'; request: ConfirmRequest; run: () => void; form: FormOverlay | null}

type FormOverlay = {kind: 'form'; render: (close: () => void) => ReactNode}

/** The form on screen or under a confirmation, if any. */
function formOf(overlay: Overlay | null): FormOverlay | null {
  if (overlay?.kind === 'form') return overlay
  return overlay?.kind === 'confirm' ? overlay.form : null
}

/**
 * The dashboard: a status line, one screen, a prompt or message line and the hint bar. Overlays
 * (help, a confirmation, the provision form) take the screen's place while it stays mounted,
 * so its data keeps loading underneath.
 */
export function App() {
  const services = useServices()
  const {exit} = useApp()
  const size = useTerminalSize()
  const [memory, setMemoryState] = useState<UiMemory>(services.memory)
  const [overlay, setOverlayState] = useState<Overlay | null>(null)
  // A toast belongs to the screen it was raised on: shown only there, and gone when the user
  // moves to another screen, so no message outlives what it was about.
  const [message, setMessage] = useState<Toast | null>(() => {
    const notice = services.notice
    services.notice = null
    return notice && {...notice, screen: services.memory.screen}
  })
  // The mode at the latest keystroke, ahead of React: keys typed within one frame are routed
  // by what the previous key did, not by what was last drawn.
  const memoryRef = useRef(memory)
  const overlayRef = useRef(overlay)
  const screenKeys = useRef(new Map<ScreenId, ScreenKeys>())
  const overlayKeys = useRef<KeyHandler | null>(null)

  const setMemory = useCallback(
    (update: (m: UiMemory) => UiMemory) => {
      const next = update(memoryRef.current)
      memoryRef.current = next
      // Kept outside React too, so the dashboard comes back as it was after ssh.
      Object.assign(services.memory, next)
      setMemoryState(next)
    },
    [services.memory],
  )
  const setOverlay = useCallback((next: Overlay | null) => {
    // A form keeps its keys while a confirmation it asked for is shown over it.
    if (formOf(next) !== formOf(overlayRef.current)) overlayKeys.current = null
    overlayRef.current = next
    setOverlayState(next)
  }, [])

  const goTo = useCallback(
    (screen: ScreenId) => {
      if (screen !== memoryRef.current.screen) setMessage(null)
      setMemory((m) => ({...m, screen}))
    },
    [setMemory],
  )
  const notifyOn = useCallback((screen: ScreenId, text: string, tone: Tone = 'info') => setMessage({text, tone, screen}), [])
  const close = useCallback(() => setOverlay(null), [setOverlay])

  const shell = useMemo<Shell>(
    () => ({
      prompt: (request) => setOverlay({kind: 'prompt', request, text: request.initial ?? '', error: null}),
      filter: () => setOverlay({kind: 'filter'}),
      notify: (text, tone) => notifyOn(memoryRef.current.screen, text, tone),
      goTo,
      registerKeys: (screen, keys) => {
        screenKeys.current.set(screen, keys)
        return () => {
          if (screenKeys.current.get(screen) === keys) screenKeys.current.delete(screen)
        }
      },
      overlayKeys,
    }),
    [goTo, setOverlay, notifyOn],
  )
  // Each screen's own shell tags its toasts with that screen, so one that lands after the user
  // left (a release finishing in the background) is not shown on another screen.
  const screenShells = useMemo(
    () => Object.fromEntries(SCREENS.map((screen) => [screen, {...shell, notify: (text: string, tone?: Tone) => notifyOn(screen, text, tone)}])) as Record<ScreenId, Shell>,
    [shell, notifyOn],
  )

  const setFilterText = (text: string) =>
    setMemory((m) => (m.screen === 'sessions' ? {...m, sessions: {...m.sessions, text}} : {...m, inventory: {...m.inventory, text}}))

  const onCommand = (text: string) => {
    const target = resolveJump(text) ?? resolveJump(jumpSuggestions(text)[0] ?? '')
    if (target === 'quit') return exit()
    if (target === 'help') return setOverlay({kind: 'help'})
    close()
    if (target) goTo(target)
    else if (text.trim()) notifyOn(memoryRef.current.screen, `No screen "${text.trim()}": try :inventory, :sessions, :costs or :quit.`, 'error')
  }

  /**
   * The one way into a dangerous action (the keymap flags it): the screen only says what to ask
   * and what to run, and nothing runs until the confirmation is answered y.
   */
  const startDangerous = (screen: ScreenId, binding: Binding) => {
    const plan = screenKeys.current.get(screen)?.onDangerous(binding)
    if (!plan) return
    if ('refuse' in plan) return notifyOn(screen, plan.refuse, 'error')
    if ('confirm' in plan) return setOverlay({kind: 'confirm', request: plan.confirm, run: plan.run, form: null})
    const form: FormOverlay = {kind: 'form', render: (closeForm) => plan.form(ask, closeForm)}
    // Only while this form is the one on screen: a reply arriving after it was closed asks nothing.
    const ask: AskConfirmation = (request, run) => {
      if (overlayRef.current === form) setOverlay({kind: 'confirm', request, run, form})
    }
    setOverlay(form)
  }

  useInput((input, key) => {
    // Ctrl-C quits from anywhere, also from inside a form or a prompt.
    if (chordMatches('ctrl+c', input, key)) return exit()
    const mode = overlayRef.current
    const screen = memoryRef.current.screen
    if (mode === null) {
      const binding = actionFor(screen, input, key)
      if (binding?.dangerous) return startDangerous(screen, binding)
      const action = binding?.action
      if (action === 'quit') return exit()
      if (action === 'help') return setOverlay({kind: 'help'})
      if (action === 'command') return setOverlay({kind: 'command', text: ''})
      if (action === 'screen.next') return goTo(SCREENS[(SCREENS.indexOf(screen) + 1) % SCREENS.length]!)
      if (action?.startsWith('screen.')) return goTo(action.slice(7) as ScreenId)
      return screenKeys.current.get(screen)?.onKey(input, key)
    }
    if (mode.kind === 'help') {
      if (key.escape || input === '?' || input === 'q') close()
      return
    }
    if (mode.kind === 'command') {
      const edit = editLine(mode.text, input, key)
      if (edit?.kind === 'change') setOverlay({kind: 'command', text: edit.value})
      else if (edit?.kind === 'submit') onCommand(edit.value)
      else if (edit?.kind === 'cancel') close()
      return
    }
    if (mode.kind === 'filter') {
      const current = screen === 'sessions' ? memoryRef.current.sessions.text : memoryRef.current.inventory.text
      const edit = editLine(current, input, key)
      if (edit?.kind === 'change') setFilterText(edit.value)
      else if (edit?.kind === 'submit') close()
      else if (edit?.kind === 'cancel') {
        setFilterText('')
        close()
      }
      return
    }
    if (mode.kind === 'prompt') {
      const edit = editLine(mode.text, input, key, mode.request.accept)
      if (edit?.kind === 'change') setOverlay({...mode, text: edit.value, error: null})
      else if (edit?.kind === 'cancel') close()
      else if (edit?.kind === 'submit') {
        const error = mode.request.onSubmit(edit.value)
        if (error) setOverlay({...mode, error})
        else close()
      }
    }
    if (mode.kind === 'confirm') {
      // Only y goes ahead; any other key backs out. Either way a form that asked is shown again.
      setOverlay(mode.form)
      if (input === 'y' || input === 'Y') mode.run()
      return
    }
    if (mode.kind === 'form') overlayKeys.current?.(input, key)
  })

  // One line each for the status, the prompt or message, and the hints; the last terminal row
  // stays free so Ink never has to clear the whole screen to redraw.
  const bodyHeight = Math.max(4, size.rows - 4)
  const width = size.columns
  const bodyHidden = overlay?.kind === 'help' || overlay?.kind === 'confirm' || overlay?.kind === 'form'
  const form = formOf(overlay)
  const filterText = memory.screen === 'sessions' ? memory.sessions.text : memory.inventory.text

  return (
    <ShellProvider value={shell}>
      <Box flexDirection="column" width={width} height={size.rows - 1}>
        <StatusLine width={width} />
        <Box display={bodyHidden ? 'none' : 'flex'} flexDirection="column" height={bodyHeight}>
          {memory.screen === 'inventory' ? (
            <ShellProvider value={screenShells.inventory}>
              <InventoryScreen
                height={bodyHeight}
                width={width}
                query={memory.inventory}
                onQuery={(update) => setMemory((m) => ({...m, inventory: {...m.inventory, ...update(m.inventory)}}))}
                selectedId={memory.inventory.selectedId}
                onSelect={(selectedId) => setMemory((m) => ({...m, inventory: {...m.inventory, selectedId}}))}
                onProvisioned={(sessionId) => {
                  // The "Rented …" toast is about the session this move shows: it comes along.
                  setMessage((m) => m && {...m, screen: 'sessions'})
                  setMemory((m) => ({...m, screen: 'sessions', sessions: {...m.sessions, selectedId: sessionId, text: ''}}))
                }}
              />
            </ShellProvider>
          ) : null}
          {memory.screen === 'sessions' ? (
            <ShellProvider value={screenShells.sessions}>
              <SessionsScreen
                height={bodyHeight}
                width={width}
                text={memory.sessions.text}
                onText={(text) => setMemory((m) => ({...m, sessions: {...m.sessions, text}}))}
                showEnded={memory.sessions.showEnded}
                onShowEnded={(showEnded) => setMemory((m) => ({...m, sessions: {...m.sessions, showEnded}}))}
                selectedId={memory.sessions.selectedId}
                onSelect={(selectedId) => setMemory((m) => ({...m, sessions: {...m.sessions, selectedId}}))}
              />
            </ShellProvider>
          ) : null}
          {memory.screen === 'costs' ? (
            <ShellProvider value={screenShells.costs}>
              <CostsScreen height={bodyHeight} width={width} />
            </ShellProvider>
          ) : null}
        </Box>
        {bodyHidden ? (
          <Box flexDirection="column" height={bodyHeight} overflow="hidden">
            {overlay.kind === 'help' ? <HelpView screen={memory.screen} height={bodyHeight} /> : null}
            {/* In one place whether shown or under a confirmation, so the form keeps what was typed. */}
            {form ? (
              <Box display={overlay.kind === 'form' ? 'flex' : 'none'} flexDirection="column">
                {form.render(close)}
              </Box>
            ) : null}
            {overlay.kind === 'confirm' ? <ConfirmView request={overlay.request} height={bodyHeight} /> : null}
          </Box>
        ) : null}
        <Box height={1} width={width} overflow="hidden">
          {bottomLine(overlay, filterText, message?.screen === memory.screen ? message : null)}
        </Box>
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
