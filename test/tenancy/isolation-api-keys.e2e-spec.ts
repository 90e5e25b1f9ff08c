import { describeIsolationWalk } from '../support/isolation-walk';

/** The isolation walk (test/support/isolation-walk.ts) as an API key of organization A with every grantable permission. */
describeIsolationWalk('API key');
