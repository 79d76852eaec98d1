import { useEffect, useState } from 'react'

/** The current time, renewed every `everyMs`: for ages and countdowns that move by themselves. */
export const useNow = (everyMs = 1000) => {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

const units: ReadonlyArray<readonly [number, string]> = [
  [24 * 60 * 60 * 1000, 'd'],
  [60 * 60 * 1000, 'h'],
  [60 * 1000, 'min'],
  [1000, 's'],
]

/** A duration as its two largest units, e.g. `2 h 5 min`, `45 s`. */
export const formatDuration = (ms: number) => {
  let rest = Math.max(0, Math.round(ms / 1000) * 1000)
  const parts: Array<string> = []
  for (const [size, unit] of units) {
    const count = Math.floor(rest / size)
    rest -= count * size
    if (count > 0 || (parts.length === 0 && unit === 's')) parts.push(`${count} ${unit}`)
    if (parts.length === 2) break
  }
  return parts.join(' ')
}

export const formatTime = (epochMs: number) =>
  new Date(epochMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
