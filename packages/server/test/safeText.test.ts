import { describe, expect, it } from 'vitest'
import { withoutTrace } from '../src/internal/safeText.js'

describe('withoutTrace', () => {
  it('cuts a message at its stack trace and hides source file paths, leaving other slashes alone', () => {
    const traced =
      'RangeError: Maximum call stack size exceeded\n    at input (/work/node_modules/effect/src/Predicate.ts:488:26)\n    at go (file:///srv/app/dist/index.js:1:2)'
    expect(withoutTrace(traced)).toBe('RangeError: Maximum call stack size exceeded')
    expect(withoutTrace('failed in /srv/app/dist/store.js:12:3 and C:\\app\\x.mjs')).toBe(
      'failed in <file> and <file>',
    )
    expect(withoutTrace('No route GET /api/approvals/a/b.')).toBe('No route GET /api/approvals/a/b.')
  })
})
