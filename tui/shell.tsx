import {createContext, useContext, useEffect, useRef, type ReactNode} from 'react'

import type {ConfirmRequest} from './confirm-request.js'
import type {Binding, KeyPress, ScreenId} from './keymap.js'

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

/** Shows a confirmation; `run` goes ahead only if the user answers y. */
export type AskConfirmation = (request: ConfirmRequest, run: () => void) => void

/**
 * What a screen offers for a dangerous key (one the keymap flags): never the effect itself, only
 * what to ask and what to run once the user said yes. The dispatcher does the asking.
 */
export type DangerousPlan =
  /** Ask, then run. */
  | {confirm: ConfirmRequest; run(): void}
  /**
   * A full-body form gathers what the action needs (the provision form), then asks through
   * `ask`: the answer, yes or no, comes back to the form. It calls `close` when done.
   */
  | {form(ask: AskConfirmation, close: () => void): ReactNode}
  /** Not possible now (nothing selected): said on the message line, nothing asked. */
  | {refuse: string}

/** A screen's plan for a dangerous binding of its scopes; undefined does nothing. */
export type DangerousHandler = (binding: Binding) => DangerousPlan | undefined

/** A screen's keys: dangerous bindings go to `onDangerous` only, every other key to `onKey`. */
export interface ScreenKeys {
  onKey: KeyHandler
  onDangerous: DangerousHandler
}

/** What a screen may ask of the dashboard around it. */
export interface Shell {
  prompt(request: PromptRequest): void
  filter(): void
  notify(text: string, tone?: Tone): void
  goTo(screen: ScreenId): void
  /** The screen's keys; the dashboard calls them only while that screen has the keyboard. */
  registerKeys(screen: ScreenId, keys: ScreenKeys): () => void
  /** The keys of the form on screen. */
  overlayKeys: {current: KeyHandler | null}
}

const ShellContext = createContext<Shell | null>(null)

export const ShellProvider = ShellContext.Provider

export function useShell(): Shell {
  const shell = useContext(ShellContext)
  if (!shell) throw new Error('useShell outside <ShellProvider>')
  return shell
}

const NOTHING_DANGEROUS: DangerousHandler = () => undefined

/**
 * A screen's key handlers. The dashboard routes each keystroke once, by the mode it is in at that
 * keystroke (not at the last render), so keys typed faster than a frame still land where meant.
 * A key the keymap flags dangerous never reaches `onKey`: the dashboard asks `onDangerous` for
 * a plan and confirms it itself.
 */
export function useScreenKeys(screen: ScreenId, onKey: KeyHandler, onDangerous: DangerousHandler = NOTHING_DANGEROUS): void {
  const shell = useShell()
  const latest = useRef({onKey, onDangerous})
  latest.current = {onKey, onDangerous}
  const stable = useRef<ScreenKeys>({
    onKey: (input, key) => latest.current.onKey(input, key),
    onDangerous: (binding) => latest.current.onDangerous(binding),
  }).current
  // Registered while rendering, not in an effect: the first frame on screen already takes keys.
  shell.registerKeys(screen, stable)
  useEffect(() => shell.registerKeys(screen, stable), [shell, screen, stable])
}

/** The keys of a form, live from its first frame; nothing else sees them meanwhile. */
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
