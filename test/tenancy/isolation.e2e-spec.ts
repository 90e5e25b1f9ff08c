import { describeIsolationWalk } from '../support/isolation-walk';

/** The isolation walk (test/support/isolation-walk.ts) as organization A's admin, with an access token. */
describeIsolationWalk('admin token');
