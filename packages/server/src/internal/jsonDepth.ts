/**
 * Whether `value` nests arrays and objects more than `maxDepth` levels deep (a scalar is 0 levels,
 * `[]` and `{}` are 1). Measured without recursion, so that no depth can overflow the stack.
 */
export const nestsDeeperThan = (value: unknown, maxDepth: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 0]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next
    if (typeof item !== 'object' || item === null) continue
    if (depth >= maxDepth) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}
