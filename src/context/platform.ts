/**
 * The pseudo-organization id platform sessions carry; no organization row has it (ids are
 * UUIDs). Here rather than in modules/platform so that security/, sessions/ and auth/ can
 * tell a platform principal apart without importing a feature module.
 */
export const PLATFORM_ID = 'platform';
