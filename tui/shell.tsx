import {createContext, useContext, type ReactNode} from 'react'

import type {ConfirmRequest} from './components/confirm-view.js'
import type {ScreenId} from './keymap.js'

export interface PromptRequest {
  label: string
  initial?: string
  /** Characters the prompt accepts. */
  accept?: RegExp
  /** Returns an error to show (the prompt stays open), or null when the value was taken. */
  onSubmit(value: string): string | null
}

export type Tone = 'info' | 'success' | 'error'

/** What a screen may ask of the dashboard around it. */
export interface Shell {
  prompt(request: PromptRequest): void
  confirm(request: ConfirmRequest): void
  /** A full-body form (the provision form); it calls `close` when done. */
  form(render: (close: () => void) => ReactNode): void
  filter(): void
  notify(text: string, tone?: Tone): void
  goTo(screen: ScreenId): void
}

const ShellContext = createContext<Shell | null>(null)

export const ShellProvider = ShellContext.Provider

export function useShell(): Shell {
  const shell = useContext(ShellContext)
  if (!shell) throw new Error('useShell outside <ShellProvider>')
  return shell
}
