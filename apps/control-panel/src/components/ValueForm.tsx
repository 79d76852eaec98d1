import { parseJson } from '../json.js'
import { TextAnswerForm } from './TextAnswerForm.js'

/** For kinds the panel has no form for: the resolution typed in as JSON. */
export const ValueForm = ({ onSubmit }: { readonly onSubmit: (value: unknown) => Promise<unknown> }) => (
  <TextAnswerForm
    label="Resolution (JSON)"
    hint="The answer in the shape this kind of requirement expects."
    submitLabel="Send"
    read={(text) => parseJson(text) ?? { error: 'Enter valid JSON.' }}
    onSubmit={onSubmit}
  />
)
