/** The one place that reads the process environment; everything else receives a validated AppConfig. */
export function readProcessEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
