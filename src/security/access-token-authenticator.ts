import type { IncomingHttpHeaders } from 'node:http';
import type { UserPrincipal } from '../context/request-context';

/**
 * The port the access guard checks bearer access tokens through. Security is infrastructure and
 * cannot depend on the auth feature, which provides it (JwtStrategy).
 */
export abstract class AccessTokenAuthenticator {
  /**
   * The principal of the request's bearer access token; false when it presents none, or one
   * that is malformed, forged, expired, revoked, of an ended session or of a user or
   * organization that may no longer act. Throws only when a backing service is unavailable.
   */
  abstract principalOf(request: { headers: IncomingHttpHeaders }): Promise<UserPrincipal | false>;
}
