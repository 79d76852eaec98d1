/**
 * @countersign/email — email for Countersign: a message for each notification, with its details
 * and the link to the control panel, sent with nodemailer over SMTP.
 */
export * as EmailChannel from './EmailChannel.js'
export type { EmailChannelOptions } from './EmailChannel.js'
