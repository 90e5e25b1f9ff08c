/** Real time passes in these tests: lifetimes, idle timeouts, a server coming back. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
