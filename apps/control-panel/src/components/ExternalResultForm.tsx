import { useId, useState } from 'react'
import { parseJson } from '../json.js'
import { TextAnswerForm } from './TextAnswerForm.js'

/**
 * What a call carried out outside the agent came to: the result it returned (JSON when it reads as
 * JSON, else the text itself), or, when it failed, why — which the agent is told as its failure.
 */
export const ExternalResultForm = ({
  onSubmit,
}: {
  readonly onSubmit: (value: { result: unknown } | { error: string }) => Promise<unknown>
}) => {
  const id = useId()
  const [failed, setFailed] = useState(false)
  const read = (text: string) => {
    if (text.trim() === '') return { error: failed ? 'Say why it failed.' : 'Enter the result.' }
    return { value: failed ? { error: text.trim() } : { result: (parseJson(text) ?? { value: text }).value } }
  }
  return (
    <TextAnswerForm
      label={failed ? 'Why it failed' : 'Result'}
      hint={
        failed
          ? 'Why the call failed: the agent is told, as the call’s error.'
          : 'What the call returned: text, or JSON (a number, list or object). The agent receives it as is.'
      }
      submitLabel={failed ? 'Report the failure' : 'Send result'}
      read={read}
      onSubmit={(value) => onSubmit(value as { result: unknown } | { error: string })}
    >
      <fieldset className="outcome">
        <legend>The call</legend>
        <label className="check">
          <input type="radio" name={`${id}-outcome`} checked={!failed} onChange={() => setFailed(false)} />
          returned a result
        </label>
        <label className="check">
          <input type="radio" name={`${id}-outcome`} checked={failed} onChange={() => setFailed(true)} />
          failed
        </label>
      </fieldset>
    </TextAnswerForm>
  )
}
