import type { UserProjectConfigExport } from 'vitest/config'

export declare const countersignProject: (name: string) => UserProjectConfigExport
