import type { Principal } from '@countersign/core'
import { type Authenticate, principalOf } from '../auth.js'

/** The same principal: the same id with the same roles. */
const samePrincipal = (a: Principal | null, b: Principal | null) =>
  a === b ||
  (a !== null &&
    b !== null &&
    a.id === b.id &&
    a.roles.length === b.roles.length &&
    a.roles.every((role) => b.roles.includes(role)))

/**
 * Who a token names, asked again of `authenticate` for every operation and, while watched, every
 * interval: a token revoked after a WebSocket connection (or a subscription) began stops serving
 * it. Checks asked for at once share one call of `authenticate`.
 */
export class Session {
  private principal: Principal | null
  private checking: Promise<Principal | null> | undefined
  private epoch = new AbortController()

  constructor(
    private readonly authenticate: Authenticate,
    private readonly token: string | undefined,
    initial: Principal | null,
    private readonly options: {
      /**
       * Whether each operation asks `authenticate` again: on a WebSocket connection, which
       * outlives its first check; not for one HTTP request, whose context was just made.
       */
      readonly checkEachOperation: boolean
      /** Called when a check finds the token names nobody. */
      readonly onUnauthenticated: () => void
    },
  ) {
    this.principal = initial
  }

  /** Whether the caller sent a token at all (refused or not). */
  get tokenGiven(): boolean {
    return this.token !== undefined && this.token !== ''
  }

  /** The principal an operation acts as: the token's now, or as of this HTTP request. */
  forOperation(): Promise<Principal | null> {
    return this.options.checkEachOperation ? this.current() : Promise.resolve(this.principal)
  }

  /** The principal the token names now. */
  current(): Promise<Principal | null> {
    this.checking ??= principalOf(this.authenticate, this.token).finally(() => (this.checking = undefined))
    return this.checking.then((principal) => {
      this.settle(principal)
      return principal
    })
  }

  /** Aborted once the token no longer names the principal it names now (revoked, or given other roles). */
  get revoked(): AbortSignal {
    return this.epoch.signal
  }

  /** Checks the token every `intervalMs` until the returned function is called. */
  watch(intervalMs: number): () => void {
    const timer = setInterval(() => void this.current().catch(() => undefined), intervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  private settle(principal: Principal | null) {
    if (!samePrincipal(principal, this.principal)) {
      this.epoch.abort()
      this.epoch = new AbortController()
    }
    this.principal = principal
    if (principal === null) this.options.onUnauthenticated()
  }
}
