/**
 * @countersign/mongodb — the MongoDB store: Countersign's runs, decisions and events in MongoDB,
 * shared by every server process that uses the same database.
 */
export * as MongoStore from './MongoStore.js'
