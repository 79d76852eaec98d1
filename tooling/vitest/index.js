import { defineProject } from 'vitest/config'

/**
 * The vitest project config every package shares. Sibling packages resolve through the
 * `@countersign/source` export condition, so tests read their source without a build.
 * @param {string} name
 */
export const countersignProject = (name) =>
  defineProject({
    resolve: { conditions: ['@countersign/source'] },
    ssr: { resolve: { conditions: ['@countersign/source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout: 20_000,
    },
  })
