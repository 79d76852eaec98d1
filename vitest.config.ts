import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'examples/*',
      'tooling/ferretdb',
      'tooling/openai-wire',
      'tooling/slack-wire',
      'docs',
    ],
  },
})
