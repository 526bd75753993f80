/**
 * tickflow's benchmark suite: `npm run bench` (about 25 s), `npm run bench -- --quick`
 * (a few seconds, for a smoke check), `--json FILE` to also write the figures as JSON,
 * `--dir DIR` to put the SQLite files on another disk than the OS temp folder.
 *
 * Speed is measured here and only here; the tests assert behaviour, never timing.
 */
import fs from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { type OverheadResult, provenanceOverhead } from "./provenanceOverhead.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    dir: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  console.log("usage: npm run bench -- [--quick] [--json FILE] [--dir DIR]");
  process.exit(0);
}

const rounds = 5;
const roundMs = values.quick ? 200 : 1500;

const integer = (n: number) => Math.round(n).toLocaleString("en-US");
const spread = (rates: readonly number[]) => {
  const min = Math.min(...rates);
  const max = Math.max(...rates);
  return `${integer(min)}–${integer(max)}`;
};

/** A small aligned text table: first column left, the rest right. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function report(r: OverheadResult): string {
  return table(
    [
      "provenance_overhead (3-node chain)",
      "per s (median)",
      "per-round range",
      "commits/run",
      "vs null",
      "of commit limit",
    ],
    [
      ["NullProvenance, runs", integer(r.nullRunsPerS), spread(r.perRound.null), "0", "1.00", "-"],
      [
        "DagProvenance (SQLite, NORMAL), runs",
        integer(r.durableRunsPerS),
        spread(r.perRound.durable),
        r.commitsPerRun.toFixed(2),
        r.ratio.toFixed(3),
        `${(r.ratioToLimit * 100).toFixed(1)}%`,
      ],
      [
        "raw better-sqlite3 single-row commits",
        integer(r.sqliteCommitLimitPerS),
        spread(r.perRound.sqlite),
        "1",
        "-",
        "100%",
      ],
    ],
  );
}

const machine = { node: process.version, cpus: os.cpus().length, platform: process.platform };
console.log(
  `tickflow bench: ${rounds} rounds × ${roundMs} ms per contender, alternating; node ${machine.node}, ${machine.cpus} CPUs (${os.cpus()[0]?.model ?? "unknown"}), ${machine.platform}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
const overhead = await provenanceOverhead({
  rounds,
  roundMs,
  ...(values.dir === undefined ? {} : { dir: values.dir }),
});
console.log(`SQLite files in ${overhead.dir}\n`);
console.log(report(overhead));
console.log(
  `\ndurable/null = ${overhead.ratio.toFixed(3)}; durable runs/s × ${overhead.commitsPerRun.toFixed(2)} commits/run ÷ raw commit limit = ${overhead.ratioToLimit.toFixed(3)}`,
);

if (values.json !== undefined) {
  const out = {
    scenarios: {
      provenance_overhead: {
        null_runs_per_s: overhead.nullRunsPerS,
        durable_runs_per_s: overhead.durableRunsPerS,
        ratio: overhead.ratio,
        commits_per_run: overhead.commitsPerRun,
        sqlite_commit_limit_per_s: overhead.sqliteCommitLimitPerS,
        ratio_to_limit: overhead.ratioToLimit,
      },
    },
    machine,
  };
  fs.writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${values.json}`);
}
