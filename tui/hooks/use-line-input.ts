import {useInput} from 'ink'

export interface LineInputHandlers {
  value: string
  onChange(value: string): void
  onSubmit(value: string): void
  onCancel(): void
  /** Characters accepted; anything else typed is ignored. */
  accept?: RegExp
  maxLength?: number
}

/**
 * A one-line editor for the filter, `:` and number prompts: printable text is appended (a paste
 * arrives as one chunk), Backspace deletes, Enter submits, Esc cancels.
 */
export function useLineInput(handlers: LineInputHandlers, isActive: boolean): void {
  useInput(
    (input, key) => {
      if (key.escape) return handlers.onCancel()
      if (key.return) return handlers.onSubmit(handlers.value)
      if (key.backspace || key.delete) return handlers.onChange(handlers.value.slice(0, -1))
      if (key.ctrl && input === 'u') return handlers.onChange('')
      if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return
      // eslint-disable-next-line no-control-regex
      const printable = input.replace(/[\u0000-\u001f\u007f]/g, '')
      const accepted = handlers.accept ? [...printable].filter((c) => handlers.accept!.test(c)).join('') : printable
      if (!accepted) return
      const next = (handlers.value + accepted).slice(0, handlers.maxLength ?? 200)
      if (next !== handlers.value) handlers.onChange(next)
    },
    {isActive},
  )
}
