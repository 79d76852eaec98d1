import { useSyncExternalStore } from 'react'

/** Where the WebSocket stands: not yet open, open, or lost and being reopened by the client. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting'

export interface ConnectionState {
  readonly status: ConnectionStatus
  /** Counts the times the socket opened again after it was lost: views reload what they show when it changes. */
  readonly reconnects: number
}

/** The connection state of one client, fed by its `onOpen` and `onClose`, read by React with `useConnection`. */
export const makeConnection = () => {
  let state: ConnectionState = { status: 'connecting', reconnects: 0 }
  const listeners = new Set<() => void>()
  const set = (next: ConnectionState) => {
    state = next
    for (const listener of listeners) listener()
  }
  return {
    opened: () => {
      if (state.status === 'connected') return
      set({
        status: 'connected',
        reconnects: state.status === 'reconnecting' ? state.reconnects + 1 : state.reconnects,
      })
    },
    closed: () => {
      if (state.status !== 'reconnecting') set({ ...state, status: 'reconnecting' })
    },
    get: () => state,
    subscribe: (listener: () => void) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
}
export type Connection = ReturnType<typeof makeConnection>

export const useConnection = (connection: Connection) =>
  useSyncExternalStore(connection.subscribe, connection.get)
