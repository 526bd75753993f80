import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { holderGone, thisProcess } from "../../src/trigger/ProcessIdentity.js";
import { deadPid } from "../store/deadPid.js";

/** A label, a stored holder, and whether it is gone. */
type Row = [string, { host: string | null; pid: number | null; started: string | null }, boolean];

describe("ProcessIdentity", () => {
  it("names this process: host, pid, and a start identity stable for its life", () => {
    const me = thisProcess();
    expect(me).toMatchObject({ host: hostname(), pid: process.pid });
    expect(me.started.length).toBeGreaterThan(3);
    expect(thisProcess()).toEqual(me);
  });

  it("says a holder is gone only when sure: dead pid, reused pid, earlier boot — of this host", async () => {
    const me = thisProcess();
    const dead = await deadPid();
    const linux = !me.started.startsWith("ms:");
    const boot = me.started.split(":")[0];
    const rows: Row[] = [
      ["this process", { ...me }, false],
      ["a dead pid of this host", { host: me.host, pid: dead, started: me.started }, true],
      ["a dead pid of another host", { host: "elsewhere", pid: dead, started: me.started }, false],
      ["no identity recorded", { host: null, pid: null, started: null }, false],
      ...(linux
        ? ((): Row[] => [
            [
              "this pid, another start (reused)",
              { host: me.host, pid: process.pid, started: `${boot}:0` },
              true,
            ],
            [
              "a live pid of an earlier boot",
              { host: me.host, pid: process.pid, started: `not-${boot}:1` },
              true,
            ],
          ])()
        : []),
    ];
    const results = rows.map(([label, holder]) => [label, holderGone(holder)]);
    expect(results, JSON.stringify(rows)).toEqual(rows.map(([label, , gone]) => [label, gone]));
  });
});
