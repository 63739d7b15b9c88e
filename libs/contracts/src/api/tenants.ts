import type { UserView } from './auth';

/** Tenant members and invitations. Only the tenant owner invites and removes members. */

export type MemberView = UserView;

/** Body of POST /api/tenant/invites. Invites always create members (one owner per tenant). */
export interface CreateInviteRequest {
  email: string;
  /** Hours until the invite expires (1..720, default 168). */
  expiresInHours?: number;
}

export interface InviteView {
  id: string;
  email: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
}

/** Response of POST /api/tenant/invites (201): `token` is shown only here; send it to the invitee. */
export interface CreatedInvite extends InviteView {
  token: string;
}

/** Body of POST /api/auth/accept-invite: creates the member and logs them in (SessionResponse). */
export interface AcceptInviteRequest {
  token: string;
  password: string;
}
