import {createContext, useContext, useEffect, useRef, type ReactNode} from 'react'

import type {ConfirmRequest} from './confirm-request.js'
import type {KeyPress, ScreenId} from './keymap.js'

export interface PromptRequest {
  label: string
  initial?: string
  /** Characters the prompt accepts. */
  accept?: RegExp
  /** Returns an error to show (the prompt stays open), or null when the value was taken. */
  onSubmit(value: string): string | null
}

export type Tone = 'info' | 'success' | 'error'

export type KeyHandler = (input: string, key: KeyPress) => void

/** What a screen may ask of the dashboard around it. */
export interface Shell {
  prompt(request: PromptRequest): void
  confirm(request: ConfirmRequest): void
  /** A full-body form (the provision form); it calls `close` when done. */
  form(render: (close: () => void) => ReactNode): void
  filter(): void
  notify(text: string, tone?: Tone): void
  goTo(screen: ScreenId): void
  /** The screen's keys; the dashboard calls it only while that screen has the keyboard. */
  registerKeys(screen: ScreenId, handler: KeyHandler): () => void
  /** The keys of the confirmation or form on screen. */
  overlayKeys: {current: KeyHandler | null}
}

const ShellContext = createContext<Shell | null>(null)

export const ShellProvider = ShellContext.Provider

export function useShell(): Shell {
  const shell = useContext(ShellContext)
  if (!shell) throw new Error('useShell outside <ShellProvider>')
  return shell
}

/**
 * A screen's key handler. The dashboard routes each keystroke once, by the mode it is in at that
 * keystroke (not at the last render), so keys typed faster than a frame still land where meant.
 */
export function useScreenKeys(screen: ScreenId, handler: KeyHandler): void {
  const shell = useShell()
  const latest = useRef(handler)
  latest.current = handler
  const stable = useRef<KeyHandler>((input, key) => latest.current(input, key)).current
  // Registered while rendering, not in an effect: the first frame on screen already takes keys.
  shell.registerKeys(screen, stable)
  useEffect(() => shell.registerKeys(screen, stable), [shell, screen, stable])
}

/** The keys of a confirmation or form, live from its first frame; nothing else sees them meanwhile. */
export function useOverlayKeys(handler: KeyHandler): void {
  const shell = useShell()
  shell.overlayKeys.current = handler
  useEffect(
    () => () => {
      if (shell.overlayKeys.current === handler) shell.overlayKeys.current = null
    },
    [shell, handler],
  )
}
