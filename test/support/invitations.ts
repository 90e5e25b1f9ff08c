import { ACCOUNT_PAGES } from '../../src/mail/templates/account-emails';
import { type ApiResponse, request } from './api-client';
import { unique } from './backend';
import { type Inbox, linkToken, waitForMails } from './mailbox';
import type { TestApp } from './test-app';

export interface InvitationData {
  id: string;
  email: string;
  roles: string[];
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
}

/** A fresh address no user or invitation has. */
export const inviteeEmail = (label = 'invitee') => `${label}-${unique()}@example.test`;

export function invite(
  t: TestApp,
  token: string,
  email: string,
  roles: string[] = ['staff'],
): Promise<ApiResponse<InvitationData>> {
  return request<InvitationData>(t, 'POST', '/api/invitations', { token, body: { email, roles } });
}

/** Invites, expecting 201; the invitation's id. */
export async function createInvitation(
  t: TestApp,
  token: string,
  email = inviteeEmail(),
  roles: string[] = ['staff'],
): Promise<string> {
  const created = await invite(t, token, email, roles);
  if (created.status !== 201) throw new Error(`invite failed: ${created.describe()}`);
  return created.body.data.id;
}

/** The token of the `nth` invitation mail to the address, once it has arrived. */
export async function invitationToken(inbox: Inbox, email: string, nth = 1): Promise<string> {
  const mails = await waitForMails(inbox, email, nth);
  return linkToken(mails[nth - 1], ACCOUNT_PAGES.acceptInvitation);
}
