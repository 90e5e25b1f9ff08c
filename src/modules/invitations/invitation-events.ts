/** The job that issues an invitation's token and sends its email. */
export const INVITATION_MAIL_JOB = 'mail.invitation';

/** Its payload: which invitation, and the send it was queued for. Never the token itself. */
export interface InvitationMailPayload {
  [key: string]: string | number;
  invitationId: string;
  sendCount: number;
}
