import type { RunStore } from '@countersign/core'
import type { Collection, Db } from 'mongodb'
import { makeRunStore } from '../src/internal/store.js'

export const crashMessage = 'the process died before writing the runs document'

/**
 * A store over `db` whose writes to the `runs` document of a commit never happen, as when its
 * process dies between a commit's two writes: the batch, the stop's document included, is in;
 * the `runs` update fails. Everything else (inserts, reads) goes through.
 */
export const storeLosingRunsUpdates = (db: Db): RunStore =>
  makeRunStore(
    new Proxy(db, {
      get: (target, key, receiver): unknown =>
        key === 'collection'
          ? (name: string) => {
              const collection = target.collection(name)
              if (name !== 'runs') return collection
              const crashing: Partial<Collection> = {
                updateOne: () => Promise.reject(new Error(crashMessage)),
              }
              return Object.assign(Object.create(collection) as Collection, crashing)
            }
          : Reflect.get(target, key, receiver),
    }),
  )
