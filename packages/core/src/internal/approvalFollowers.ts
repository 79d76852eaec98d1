import {
  Chunk,
  type Duration,
  Effect,
  Either,
  Fiber,
  Option,
  PubSub,
  Queue,
  type Scope,
  Stream,
} from 'effect'
import type { ApprovalUpdate } from '../Approval.js'
import type { StoreError } from '../Errors.js'
import type { RunStore } from '../RunStore.js'
import { followChanges, pageSize, withApprovals } from './approvalFeed.js'

export interface ApprovalFollowersOptions {
  readonly store: RunStore
  /** Word of this engine's approval writes. */
  readonly approvalWrites: PubSub.PubSub<void>
  readonly pollInterval: Duration.DurationInput
  readonly gracePeriod: Duration.DurationInput
  /** Where the feed's fiber lives: the engine's scope. */
  readonly scope: Scope.Scope
}

type Delivery = Either.Either<ApprovalUpdate, StoreError>

/**
 * The followers of an engine's approval queue, fed by one feed for all of them (`followChanges`,
 * each change read with its approval once): the store is read as often for a thousand followers
 * as for one. The feed runs while anyone follows. A follower that starts before where the feed
 * is reads what it is behind from the store, once, then goes on with the feed.
 */
export class ApprovalFollowers {
  private readonly followers = new Set<Queue.Enqueue<Delivery>>()
  /** The last change the feed delivered (or where it started). */
  private last = 0
  private feed: Fiber.RuntimeFiber<void> | undefined
  /** The number of the current feed: a feed stopped or failed is never heard again. */
  private generation = 0

  constructor(private readonly options: ApprovalFollowersOptions) {}

  /** The queue's changes after `afterSeq` (by default, its last change as of now), each once and in order. */
  follow = (afterSeq?: number): Stream.Stream<ApprovalUpdate, StoreError> =>
    Stream.unwrapScoped(
      Effect.gen(this, function* () {
        const from = afterSeq ?? (yield* this.options.store.lastApprovalChangeSeq())
        const queue = yield* Queue.unbounded<Delivery>()
        // Joined in one step with reading where the feed is: what it delivers later is in the queue.
        // (A feed started here is interruptible, unlike the step that starts it.)
        const upTo = yield* Effect.acquireRelease(this.join(queue, from), () => this.leave(queue))
        let delivered = from
        return Stream.concat(
          from < upTo ? this.behind(from, upTo) : Stream.empty,
          Stream.mapEffect(Stream.fromQueue(queue), (delivery) => delivery),
        ).pipe(
          Stream.filter((update) => {
            if (update.seq <= delivered) return false
            delivered = update.seq
            return true
          }),
        )
      }),
    )

  private join = (queue: Queue.Enqueue<Delivery>, from: number): Effect.Effect<number> =>
    Effect.suspend(() => {
      this.followers.add(queue)
      if (this.feed !== undefined) return Effect.succeed(this.last)
      this.last = from
      return Effect.as(
        Effect.tap(
          Effect.forkIn(Effect.interruptible(this.run(from, ++this.generation)), this.options.scope),
          (fiber) => Effect.sync(() => (this.feed = fiber)),
        ),
        from,
      )
    })

  private leave = (queue: Queue.Enqueue<Delivery>): Effect.Effect<void> =>
    Effect.suspend(() => {
      this.followers.delete(queue)
      const feed = this.feed
      if (this.followers.size > 0 || feed === undefined) return Effect.void
      this.feed = undefined
      this.generation++
      return Fiber.interrupt(feed)
    })

  /** Delivers to the followers, if from the current feed. */
  private deliver = (generation: number, delivery: Delivery) =>
    Effect.sync(() => {
      if (generation !== this.generation) return
      if (Either.isRight(delivery)) this.last = delivery.right.seq
      else {
        // A feed that failed ends: the next follower starts another.
        this.feed = undefined
        this.generation++
      }
      for (const follower of this.followers) follower.unsafeOffer(delivery)
    })

  private run = (from: number, generation: number): Effect.Effect<void> => {
    const { store, approvalWrites, pollInterval, gracePeriod } = this.options
    return Effect.scoped(
      Effect.gen(this, function* () {
        const wakeups = yield* PubSub.subscribe(approvalWrites)
        yield* withApprovals(
          store,
          followChanges({ store, wakeups, afterSeq: from, pollInterval, gracePeriod }),
        ).pipe(
          Stream.runForEach((update) => this.deliver(generation, Either.right(update))),
          Effect.catchAll((error) => this.deliver(generation, Either.left(error))),
        )
      }),
    )
  }

  /** The changes after `from` up to `upTo` as stored now: what a follower behind the feed missed. */
  private behind = (from: number, upTo: number): Stream.Stream<ApprovalUpdate, StoreError> =>
    withApprovals(
      this.options.store,
      Stream.paginateChunkEffect(from, (after) =>
        Effect.map(this.options.store.readApprovalChanges(after, pageSize), (page) => {
          const within = page.filter((change) => change.seq <= upTo)
          const next = within.at(-1)?.seq
          return [
            Chunk.unsafeFromArray(within),
            page.length === pageSize && next !== undefined && next < upTo ? Option.some(next) : Option.none(),
          ] as const
        }),
      ),
    )
}
