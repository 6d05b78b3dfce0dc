// Tables of migration 0005_newsroom.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NewsroomTables {}
