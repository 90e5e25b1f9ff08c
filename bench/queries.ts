/**
 * The SQL of the bare server's routes (bare-server.ts), which the saturation step
 * (saturation.ts) also runs to find what MariaDB alone can serve.
 */

/** One page of a tenant's products, newest first: `[organizationId, limit, offset]`. */
export const PRODUCT_PAGE_SQL =
  'SELECT id, organization_id, name, sku, price, description, status, created_at, updated_at, created_by, updated_by ' +
  'FROM products WHERE organization_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?';

/** The total beside that page: `[organizationId]`. */
export const PRODUCT_COUNT_SQL = 'SELECT COUNT(*) AS total FROM products WHERE organization_id = ?';

/** The login's user lookup by organization subdomain and email: `[subdomain, email]`. */
export const LOGIN_LOOKUP_SQL =
  'SELECT u.id, u.password_hash, u.status FROM users u INNER JOIN organizations o ON o.id = u.organization_id ' +
  'WHERE o.subdomain = ? AND u.email = ? LIMIT 1';
