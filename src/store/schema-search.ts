// Tables of migration 0004_search.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SearchTables {}
