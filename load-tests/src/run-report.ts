/**
 * Where a load run's figures go: a JSON summary per run in load-tests/results/ (git-ignored, for
 * machines and dashboards) and a dated table appended to docs/performance.md (for people, in review).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ThresholdOutcome } from './thresholds';

export interface ScenarioReport {
  scenario: string;
  /** Measured figures by metric name (ms, ratios, counts). */
  metrics: Record<string, number>;
  notes: string[];
}

export interface RunReport {
  profile: string;
  target: string;
  startedAt: string;
  durationS: number;
  machine: string;
  commit: string;
  scenarios: ScenarioReport[];
  thresholds: ThresholdOutcome[];
}

export function machineDescription(): string {
  const cpus = os.cpus();
  return (
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.versions.node}, load ${os.loadavg()[0].toFixed(2)}`
  );
}

export function currentCommit(repoRoot: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function writeJsonSummary(repoRoot: string, report: RunReport): string {
  const dir = path.join(repoRoot, 'load-tests', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}-${report.profile}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

/** The markdown section appended to docs/performance.md for one run. */
export function markdownSection(report: RunReport): string {
  const lines = [
    '',
    `### Load run ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC — profile \`${report.profile}\``,
    '',
    `Commit ${report.commit}; ${report.machine}; target ${report.target}; ${report.durationS.toFixed(0)} s.`,
    '',
    '| scenario | metric | value |',
    '| -------- | ------ | ----- |',
  ];
  for (const s of report.scenarios) {
    for (const [metric, value] of Object.entries(s.metrics)) {
      lines.push(
        `| ${s.scenario} | ${metric} | ${Number.isFinite(value) ? Number(value.toFixed(3)) : 'n/a'} |`,
      );
    }
  }
  lines.push('', '| threshold | goal | measured | result |', '| --------- | ---- | -------- | ------ |');
  for (const t of report.thresholds) {
    const value = t.value === undefined ? 'not measured' : String(Number(t.value.toFixed(3)));
    lines.push(`| ${t.metric} | ${t.op} ${t.limit} | ${value} | ${t.passed ? 'pass' : 'FAIL'} |`);
  }
  const notes = report.scenarios.flatMap((s) => s.notes.map((n) => `- ${s.scenario}: ${n}`));
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n') + '\n';
}

export function appendToPerformanceDoc(repoRoot: string, report: RunReport): void {
  appendFileSync(path.join(repoRoot, 'docs', 'performance.md'), markdownSection(report));
}
