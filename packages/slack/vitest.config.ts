import { countersignProject } from '@countersign/vitest-config'

export default countersignProject('slack')
