import config from '@countersign/eslint-config'

export default config
