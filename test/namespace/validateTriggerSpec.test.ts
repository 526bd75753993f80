import { describe, expect, it } from "vitest";
import { TRIGGER_FIELDS } from "../../src/namespace/checkTriggerFields.js";
import { InvalidTriggerDefinition, InvalidTriggerOption } from "../../src/namespace/errors.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { validateTriggerSpec } from "../../src/namespace/validateTriggerSpec.js";
import { InvalidTimezone } from "../../src/schedule/Schedule.js";
import { thrown } from "./thrown.js";

const hourly = {
  name: "hourly",
  dagNsref: "pipelines:market_summary",
  triggerType: "poll",
  schedule: "0 * * * *",
  timezone: "UTC",
} as const;

/** registerTrigger with a spec typed loosely, as JSON or a JavaScript caller would pass it. */
const register = (ns: Namespace, spec: Record<string, unknown>) =>
  ns.registerTrigger(spec as unknown as Parameters<Namespace["registerTrigger"]>[0]);

describe("unknown option values are refused at registerTrigger", () => {
  it('overlap "allowEverything" is InvalidTriggerOption naming field, value and accepted values', () => {
    const ns = new Namespace();
    const error = thrown(() => register(ns, { ...hourly, overlap: "allowEverything" }));
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect(error).toMatchObject({
      _tag: "InvalidTriggerOption",
      name: "hourly",
      field: "overlap",
      value: "allowEverything",
      accepted: '"skip", "bufferOne", "bufferAll", "cancelOther" or "allowAll"',
    });
    expect((error as Error).message).toBe(
      'Trigger "hourly": overlap "allowEverything" is not accepted; overlap takes "skip", "bufferOne", "bufferAll", "cancelOther" or "allowAll".',
    );
    expect(ns.hasTrigger("hourly")).toBe(false);
  });

  it('catchUp "everything" is refused with the accepted values', () => {
    const error = thrown(() => register(new Namespace(), { ...hourly, catchUp: "everything" }));
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect((error as Error).message).toBe(
      'Trigger "hourly": catchUp "everything" is not accepted; catchUp takes "skip", "latest" or "all".',
    );
  });

  it.each([
    ["overlap", "allowALL"],
    ["overlap", "SKIP"],
    ["catchUp", 1],
    ["triggerType", "cronjob"],
    ["triggerType", undefined],
    ["maxCatchUp", 2.5],
    ["maxCatchUp", "10"],
    ["maxCatchUp", 0],
    ["pollTimeout", Number.POSITIVE_INFINITY],
    ["pollTimeout", "30s"],
    ["catchUpWindow", 0],
    ["timezone", 1],
    ["schedule", 5],
    ["payload", [1, 2]],
    ["payload", "x"],
    ["every", true],
    ["jitter", {}],
    ["startAt", [2026]],
    ["endAt", null],
    ["name", 7],
    ["dagNsref", null],
  ] as const)("%s = %j is InvalidTriggerOption on that field", (field, value) => {
    const error = thrown(() => register(new Namespace(), { ...hourly, [field]: value }));
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect((error as InvalidTriggerOption).field).toBe(field);
    expect((error as InvalidTriggerOption).value).toBe(value);
  });

  it("a field that does not exist (a typo) is refused with the list of options", () => {
    const error = thrown(() => register(new Namespace(), { ...hourly, catchup: "all" }));
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect((error as InvalidTriggerOption).field).toBe("catchup");
    expect((error as Error).message).toContain("catchUp");
    expect((error as Error).message).toContain("it is not a trigger option");
  });

  it("an unknown time zone is InvalidTimezone, also on a push trigger", () => {
    const error = thrown(() =>
      register(new Namespace(), {
        name: "p",
        dagNsref: "p:x",
        triggerType: "push",
        timezone: "Mars/Olympus",
      }),
    );
    expect(error).toBeInstanceOf(InvalidTimezone);
  });

  it("today's values all pass; optional fields may be undefined", () => {
    const spec = {
      ...hourly,
      overlap: "bufferOne",
      catchUp: "all",
      maxCatchUp: 1,
      pollTimeout: 0.5,
      catchUpWindow: 60_000,
      payload: { a: 1 },
      pollFn: () => null,
      schedule: "*/5 * * * *",
    };
    expect(validateTriggerSpec(spec)).toBe(spec);
    expect(validateTriggerSpec({ ...hourly, overlap: undefined })).toMatchObject(hourly);
  });
});

describe("validateTriggerSpec (reusable for definitions read as JSON)", () => {
  it("checks a definition parsed from JSON by the same rules", () => {
    const json =
      '{"name":"c42","dagNsref":"p:x","triggerType":"push","overlap":"cancelEverything"}';
    const error = thrown(() => validateTriggerSpec(JSON.parse(json)));
    expect(error).toMatchObject({ _tag: "InvalidTriggerOption", name: "c42", field: "overlap" });
  });

  // Each refused by registerTrigger: validateTriggerSpec refuses it with the same error.
  it.each([
    [{ schedule: "61 * * * *" }, "InvalidSchedule"],
    [{ schedule: undefined, every: "15x" }, "InvalidSchedule"],
    [{ schedule: undefined, every: "15m", jitter: "20m" }, "InvalidSchedule"],
    [{ startAt: "yesterday" }, "InvalidSchedule"],
    [{ startAt: "2027-01-01", endAt: "2026-01-01" }, "InvalidSchedule"],
    [{ every: "1m" }, "InvalidSchedule"],
    [{ schedule: undefined }, "ScheduleRequired"],
    [{ name: "bad name!" }, "InvalidTriggerDefinition"],
    [{ dagNsref: "no-colon" }, "InvalidNsref"],
    [{ maxConcurrent: 2 }, "InvalidTriggerDefinition"],
  ])("refuses %j as registerTrigger does (%s)", (change, tag) => {
    const spec = { ...hourly, ...change };
    const byRegister = thrown(() => register(new Namespace(), spec));
    const byValidate = thrown(() => validateTriggerSpec(JSON.parse(JSON.stringify(spec))));
    expect(byRegister).toMatchObject({ _tag: tag });
    expect(byValidate).toMatchObject({ _tag: tag });
    expect((byValidate as Error).message).toBe((byRegister as Error).message);
  });

  it.each([null, 42, "x", [1]])("%j is not a definition (InvalidTriggerDefinition)", (input) => {
    const error = thrown(() => validateTriggerSpec(input));
    expect(error).toBeInstanceOf(InvalidTriggerDefinition);
    expect((error as InvalidTriggerDefinition).field).toBe("definition");
  });

  it("the table has one entry per field, each with its accepted values", () => {
    expect(TRIGGER_FIELDS.overlap).toEqual({
      type: "enum",
      values: ["skip", "bufferOne", "bufferAll", "cancelOther", "allowAll"],
    });
    expect(TRIGGER_FIELDS.maxConcurrent).toMatchObject({ type: "number", min: 1, integer: true });
    expect(TRIGGER_FIELDS.catchUp.values).toEqual(["skip", "latest", "all"]);
    expect(TRIGGER_FIELDS.maxCatchUp).toMatchObject({ type: "number", min: 1, integer: true });
  });
});
