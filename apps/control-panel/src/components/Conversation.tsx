import type { RunView } from '@countersign/client'
import { Fields } from './Values.js'

const outcomes: Readonly<Record<string, string>> = {
  completed: 'returned',
  failed: 'failed',
  skipped: 'was not run',
  external: 'was answered from outside',
}

/** The run's conversation as the model had it: what was asked, what it said and called, what came back. */
export const Conversation = ({ messages }: { readonly messages: RunView['messages'] }) => (
  <ol className="conversation">
    {messages.map((message, index) => (
      <li key={index} className={`message-${message._tag.toLowerCase()}`}>
        {message._tag === 'User' ? (
          <>
            <strong>Asked</strong> <span className="text">{message.content}</span>
          </>
        ) : message._tag === 'Assistant' ? (
          <>
            <strong>The agent</strong>{' '}
            {message.content === '' ? null : <span className="text">{message.content}</span>}
            {message.toolCalls.map((call) => (
              <div key={call.id} className="call">
                called <code>{call.name}</code>
                <Fields values={call.args} empty="with no arguments" />
              </div>
            ))}
          </>
        ) : (
          <>
            <code>{message.toolName}</code> {outcomes[message.outcome] ?? message.outcome}:{' '}
            <span className="text">{message.content}</span>
          </>
        )}
      </li>
    ))}
  </ol>
)
