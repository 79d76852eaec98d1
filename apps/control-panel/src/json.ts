/** The value a text reads as, as JSON; undefined when it is not JSON. */
export const parseJson = (text: string): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return undefined
  }
}
