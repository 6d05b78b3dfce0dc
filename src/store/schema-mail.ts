// Tables of migration 0006_mail.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MailTables {}
