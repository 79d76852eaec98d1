import { Schema } from 'effect'

/** Who is acting: the user who started a run, or the person who resolves a requirement. */
export class Principal extends Schema.Class<Principal>('Principal')({
  id: Schema.NonEmptyString,
  roles: Schema.Array(Schema.String),
}) {}
