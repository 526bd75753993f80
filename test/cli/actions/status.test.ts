import { describe, expect, it } from "vitest";
import { noteLine, noteWorthShowing } from "../../../src/cli/actions/status.js";

const at = new Date("2026-12-03T10:00:00Z");
const none = { note: undefined, by: undefined };
const now = at.getTime() + 2 * 3_600_000;

describe("a trigger's status note in status and explain", () => {
  it("shows nothing for an active trigger nobody wrote a note for (every activation records an instant)", () => {
    expect(noteWorthShowing("active", { ...none, at })).toBe(false);
    expect(noteWorthShowing("active", undefined)).toBe(false);
  });

  it("shows a note or who wrote it, and when a trigger was paused even without a note", () => {
    expect(noteWorthShowing("active", { ...none, at, note: "back" })).toBe(true);
    expect(noteWorthShowing("active", { ...none, at, by: "alice" })).toBe(true);
    expect(noteWorthShowing("disabled", { ...none, at })).toBe(true);
    expect(noteLine({ ...none, at }, now)).toMatch(/^since /);
    expect(noteLine({ at, note: "INC-42", by: "alice" }, now)).toMatch(/^"INC-42" by alice, /);
  });

  it("cuts a long note in the table and keeps it whole elsewhere", () => {
    const note = "x".repeat(100);
    expect(noteLine({ ...none, at, note }, now, 10)).toMatch(/^"x{9}…", /);
    expect(noteLine({ ...none, at, note }, now)).toContain(note);
  });
});
