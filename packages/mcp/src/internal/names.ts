/** A server's tool name as a Countersign tool name: the prefix, then the name with anything else than letters, digits, `_` and `-` as `_`. */
export const toolNameOf = (prefix: string, name: string): string =>
  `${prefix}${name}`.replace(/[^a-zA-Z0-9_-]/g, '_')
