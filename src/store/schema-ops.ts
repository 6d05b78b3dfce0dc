// Tables of migration 0007_ops.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OpsTables {}
