import { spawnSync } from 'node:child_process';
import type { TestApp } from './test-app';

/** One sample line of the Prometheus text format: `name{label="value",...} number`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A scraped exposition: the raw text, for promtool and label scans, and its samples. */
export class Exposition {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = text.split('\n').flatMap((line) => {
      const match = SAMPLE.exec(line);
      if (!match) return [];
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(LABEL)].map(([, key, value]) => [key, value]),
      );
      return [{ name: match[1], labels, value: Number(match[3]) }];
    });
  }

  /** The sum of every sample of `name` whose labels include `labels` (0 when there is none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter(
        (sample) =>
          sample.name === name &&
          Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      )
      .reduce((total, sample) => total + sample.value, 0);
  }

  has(name: string): boolean {
    return this.samples.some((sample) => sample.name === name);
  }

  /** Every distinct label value, to scan for what must never be a label. */
  labelValues(): string[] {
    return [...new Set(this.samples.flatMap((sample) => Object.values(sample.labels)))];
  }
}

/** The app's metrics listener (METRICS_PORT set by the test). */
export function metricsUrl(t: TestApp, path = '/metrics'): string {
  return `http://${t.config.metrics.host}:${t.config.metrics.port}${path}`;
}

export async function scrape(t: TestApp): Promise<Exposition> {
  const response = await fetch(metricsUrl(t));
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
  return new Exposition(await response.text());
}

/** `promtool check metrics` on the text: its exit status and what it complained about. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
