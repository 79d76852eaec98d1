import { Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'

const Selection = Schema.Struct({ selected: Schema.NonEmptyArray(Schema.String) })
export type Selection = typeof Selection.Type

/**
 * A person chooses which of a workflow router's routes run: one, or several when the router
 * allows it (they run in the order chosen). Answer with `requirement.resolve(selectRoutes(...))`.
 */
export const RouteSelection = RequirementPlugin.make({
  kind: 'route_selection',
  answers: 'custom',
  request: Schema.Struct({
    message: Schema.optional(Schema.String),
    choices: Schema.Array(Schema.String),
    allowMultiple: Schema.Boolean,
  }),
  resolution: Selection,
  check: (request, { selected }) => {
    const unknown = selected.filter((name) => !request.choices.includes(name))
    if (unknown.length > 0)
      return `${unknown.map((name) => JSON.stringify(name)).join(', ')} is not one of the choices ${JSON.stringify(request.choices)}`
    if (new Set(selected).size !== selected.length) return 'a route is chosen twice'
    if (!request.allowMultiple && selected.length > 1) return 'only one route may be chosen'
    return undefined
  },
  outcome: ({ resolution }) => RequirementPlugin.Outcome.Result({ result: resolution.selected }),
})

/** The answer to a route selection: these routes, in this order. */
export const selectRoutes = (...routes: [string, ...Array<string>]): Selection => ({ selected: routes })
