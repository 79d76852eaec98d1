/**
 * A run's events as the memory store keeps them: their texts beside their sequence numbers, both
 * in ascending order. A read from a point (a resume reads what came after the last stop) costs
 * what it returns, not the run's length; two arrays hold a run's events in less memory than a map
 * by number, and `settle` drops the room they grew.
 */
export interface EventLog {
  seqs: Array<number>
  texts: Array<string>
}

export const empty = (): EventLog => ({ seqs: [], texts: [] })

/** The index of the first number after `seq` in ascending `seqs` (its length if none is). */
const firstAfter = (seqs: ReadonlyArray<number>, seq: number) => {
  let low = 0
  let high = seqs.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (seqs[middle]! <= seq) low = middle + 1
    else high = middle
  }
  return low
}

export const has = (log: EventLog | undefined, seq: number) => {
  if (log === undefined) return false
  const at = firstAfter(log.seqs, seq) - 1
  return at >= 0 && log.seqs[at] === seq
}

/** Keeps an event's text at its number, in place of any there. */
export const put = (log: EventLog, seq: number, text: string) => {
  const at = firstAfter(log.seqs, seq)
  if (at > 0 && log.seqs[at - 1] === seq) log.texts[at - 1] = text
  else {
    log.seqs.splice(at, 0, seq)
    log.texts.splice(at, 0, text)
  }
}

/** The texts of the events numbered after `seq`, in order. */
export const textsAfter = (log: EventLog, seq: number): Array<string> =>
  log.texts.slice(firstAfter(log.seqs, seq))

/**
 * Copies of the arrays without the room they grew to take more (arrays grow by half as much
 * again, and more): for a run at rest, whose log grows no more until it is taken up again.
 */
export const settle = (log: EventLog) => {
  log.seqs = log.seqs.slice()
  log.texts = log.texts.slice()
}
