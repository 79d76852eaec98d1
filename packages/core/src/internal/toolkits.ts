import type { Runnable } from '../Runnable.js'
import type { Toolkit } from '../Toolkit.js'

/** Every toolkit the definitions use, their members' and steps' included, once each. */
const toolkitsOf = (definitions: Iterable<Runnable>): ReadonlySet<Toolkit> => {
  const found = new Set<Toolkit>()
  for (const definition of definitions)
    for (const actor of [
      definition,
      ...(definition.kind === 'agent' ? [] : definition.participants.values()),
    ])
      for (const toolkit of 'toolkits' in actor ? (actor.toolkits ?? []) : []) found.add(toolkit)
  return found
}

/** Lets go of what the definitions' toolkits hold (see `Toolkit.close`); one failing stops none of the others. */
export const closeToolkits = async (definitions: Iterable<Runnable>): Promise<void> => {
  await Promise.allSettled([...toolkitsOf(definitions)].flatMap((toolkit) => toolkit.close?.() ?? []))
}
