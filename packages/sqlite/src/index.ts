/**
 * @countersign/sqlite — the embedded durable store: Countersign's runs, decisions and events in
 * one local SQLite file, the zero-configuration default of the server and the demo.
 */
export * as SqliteStore from './SqliteStore.js'
