import type { ApprovalView } from '@countersign/client'
import { useEffect, useState } from 'react'
import { navigate } from './routes.js'

/** Keys typed into a field are the field's. */
const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))

/**
 * The queue's keys, as mail readers have them: j and k select the next and previous card, a and r
 * take the focus to its Approve button and its note, o opens its run. No key decides by itself:
 * the focused button still needs Enter. Answers the selected approval's id.
 */
export const useQueueKeys = (
  shown: ReadonlyArray<ApprovalView>,
  cards: ReadonlyMap<string, HTMLElement>,
): string | undefined => {
  const [selected, setSelected] = useState<string | undefined>(undefined)
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target))
        return
      const index = shown.findIndex((approval) => approval.id === selected)
      const card = selected === undefined ? undefined : cards.get(selected)
      const go = (to: number) => {
        const approval = shown[Math.max(0, Math.min(shown.length - 1, to))]
        if (approval === undefined) return
        setSelected(approval.id)
        const element = cards.get(approval.id)
        element?.focus()
        element?.scrollIntoView({ block: 'nearest' })
      }
      switch (event.key) {
        case 'j':
          go(index + 1)
          break
        case 'k':
          go(index < 0 ? 0 : index - 1)
          break
        case 'a':
          card?.querySelector<HTMLButtonElement>('.decision .actions button:not(.danger)')?.focus()
          break
        case 'r':
          card?.querySelector<HTMLTextAreaElement>('.decision textarea')?.focus()
          break
        case 'o': {
          const approval = shown[index]
          if (approval !== undefined) navigate({ page: 'run', runId: approval.runId })
          break
        }
        default:
          return
      }
      event.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [shown, selected, cards])
  return selected
}
