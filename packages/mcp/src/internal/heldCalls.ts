import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type {
  CallToolResult,
  ElicitRequestFormParams,
  ElicitResult,
} from '@modelcontextprotocol/sdk/types.js'

/** What a call in flight did next: answered, failed, or asked the person something. */
export type Step =
  | { readonly _tag: 'Answered'; readonly result: CallToolResult }
  | { readonly _tag: 'Failed'; readonly cause: unknown }
  | { readonly _tag: 'Asks'; readonly params: ElicitRequestFormParams }

/**
 * A tool call in flight on a server, kept while its run is paused on the server's question: the
 * MCP request stays open in this process, and the call's next run (same idempotency key) picks it
 * up with the answer. Kept no longer than the input timeout: then the question is cancelled and
 * the call abandoned.
 */
export class HeldCall {
  readonly abort = new AbortController()
  private readonly steps: Array<Step> = []
  private readonly waiting: Array<(step: Step) => void> = []
  private question:
    | {
        readonly params: ElicitRequestFormParams
        readonly respond: (result: ElicitResult) => void
        readonly timer: NodeJS.Timeout
      }
    | undefined

  constructor(
    readonly client: Client,
    private readonly inputTimeoutMs: number,
    private readonly forget: () => void,
  ) {}

  /** Asked something, and not yet answered. */
  get asking(): boolean {
    return this.question !== undefined
  }

  /** The call's next step, once it comes: an unanswered question first, for as long as it is unanswered. */
  next(): Promise<Step> {
    if (this.question !== undefined) return Promise.resolve({ _tag: 'Asks', params: this.question.params })
    const step = this.steps.shift()
    return step === undefined ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve(step)
  }

  push(step: Exclude<Step, { _tag: 'Asks' }>): void {
    const waiter = this.waiting.shift()
    if (waiter === undefined) this.steps.push(step)
    else waiter(step)
  }

  /** The server asks: the call's runner hears of it, and the server waits for `answer`. */
  ask(params: ElicitRequestFormParams, signal: AbortSignal): Promise<ElicitResult> {
    return new Promise((respond) => {
      const timer = setTimeout(() => this.abandon(), this.inputTimeoutMs)
      this.question = { params, respond, timer }
      // The server gave up asking (it cancelled its request): nobody's answer is wanted any more.
      signal.addEventListener('abort', () => this.answer({ action: 'cancel' }), { once: true })
      this.waiting.shift()?.({ _tag: 'Asks', params })
    })
  }

  answer(result: ElicitResult): void {
    const question = this.question
    this.question = undefined
    if (question === undefined) return
    clearTimeout(question.timer)
    question.respond(result)
  }

  /** Cancels the question and the call, and forgets it: a later answer finds nothing to answer. */
  abandon(): void {
    this.answer({ action: 'cancel' })
    this.abort.abort()
    this.forget()
  }
}

/** The calls in flight, by idempotency key. */
export class HeldCalls {
  private readonly calls = new Map<string, HeldCall>()

  constructor(private readonly inputTimeoutMs: number) {}

  get(key: string): HeldCall | undefined {
    return this.calls.get(key)
  }

  hold(key: string, client: Client): HeldCall {
    const call: HeldCall = new HeldCall(client, this.inputTimeoutMs, () => {
      if (this.calls.get(key) === call) this.calls.delete(key)
    })
    this.calls.set(key, call)
    return call
  }

  release(key: string, call: HeldCall): void {
    if (this.calls.get(key) === call) this.calls.delete(key)
  }

  /**
   * Routes a server's question to the call it belongs to. MCP over stdio does not say which
   * request a question is about, so it goes to the one call on that connection that is running
   * and not already asking; with none, or several, nobody can tell whose it is, and it is
   * cancelled rather than shown to the wrong person.
   */
  ask(client: Client, params: ElicitRequestFormParams, signal: AbortSignal): Promise<ElicitResult> {
    const candidates = [...this.calls.values()].filter((call) => call.client === client && !call.asking)
    return candidates.length === 1
      ? candidates[0]!.ask(params, signal)
      : Promise.resolve({ action: 'cancel' })
  }

  /** Cancels every call in flight (the toolkit closes). */
  abandonAll(): void {
    for (const call of [...this.calls.values()]) call.abandon()
  }
}
