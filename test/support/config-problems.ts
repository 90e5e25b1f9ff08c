import { ConfigValidationError, loadConfig } from '../../src/config/app-config';

/** Runs loadConfig and returns the problems it reported (fails the test when it did not throw). */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}
