// Reads `pnpm publish --dry-run --json` on stdin and fails unless the package ships exactly what a user needs:
// package.json, README.md, LICENSE and its build (dist/: JS, declarations, source maps), with an entry point.
import { readFileSync } from 'node:fs'

const [published] = Object.values(JSON.parse(readFileSync(0, 'utf8')))
const files = published.files.map((file) => file.path)
const shipped = /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts|js\.map))$/
const required = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']

const unexpected = files.filter((file) => !shipped.test(file))
const missing = required.filter((file) => !files.includes(file))
if (unexpected.length > 0 || missing.length > 0) {
  console.error(
    `${published.id}: ships ${JSON.stringify(unexpected)} it should not; lacks ${JSON.stringify(missing)}`,
  )
  process.exit(1)
}
console.log(`${published.id}: ${files.length} files (package.json, README.md, LICENSE, dist/)`)
