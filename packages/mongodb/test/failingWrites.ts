import type { RunStore } from '@countersign/core'
import type { Collection, Db } from 'mongodb'
import { makeRunStore } from '../src/internal/store.js'

export const failureMessage = 'the process died before this write'

type WriteMethod =
  'insertOne' | 'insertMany' | 'replaceOne' | 'updateOne' | 'findOneAndReplace' | 'findOneAndUpdate'

/**
 * A store over `db` whose writes of the given methods to the given collections never happen, as
 * when its process dies just before them: they fail, everything else goes through. With
 * `{ runs: ['updateOne'] }` it is `storeLosingRunsUpdates` (lostRunsUpdate.ts).
 */
export const storeFailingWrites = (
  db: Db,
  failing: Readonly<Record<string, ReadonlyArray<WriteMethod>>>,
): RunStore =>
  makeRunStore(
    new Proxy(db, {
      get: (target, key, receiver): unknown =>
        key === 'collection'
          ? (name: string) => {
              const collection = target.collection(name)
              const methods = failing[name] ?? []
              if (methods.length === 0) return collection
              const crashing = Object.fromEntries(
                methods.map((method) => [method, () => Promise.reject(new Error(failureMessage))]),
              )
              return Object.assign(Object.create(collection) as Collection, crashing)
            }
          : Reflect.get(target, key, receiver),
    }),
  )
