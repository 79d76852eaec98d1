import config from '@countersign/eslint-config'

export default [{ ignores: ['.examples/**', 'api/**'] }, ...config]
