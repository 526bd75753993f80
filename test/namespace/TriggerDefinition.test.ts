import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import {
  DuplicateTrigger,
  InvalidNsref,
  InvalidTriggerDefinition,
  InvalidTriggerOption,
  ScheduleNotAllowed,
  ScheduleRequired,
  TriggerNotFound,
} from "../../src/namespace/errors.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { defineTrigger, type TriggerSpec } from "../../src/namespace/TriggerDefinition.js";
import { InvalidSchedule, InvalidTimezone } from "../../src/schedule/Schedule.js";
import { thrown } from "./thrown.js";

/** The seed's namespace: fetch → summarize registered as pipelines:market_summary. */
const seedNamespace = () => {
  const ns = new Namespace();
  ns.register(async () => ({ AAPL: 185.0, GOOG: 140.0 }), { nsref: "market:fetch" });
  ns.register(
    (prices: Record<string, number>) =>
      `Portfolio value: $${Object.values(prices)
        .reduce((a, b) => a + b, 0)
        .toFixed(2)}`,
    { nsref: "market:summarize" },
  );
  const dag = new Dag();
  dag.node(ns.get("market:fetch")).to(dag.node(ns.get("market:summarize")));
  ns.register(dag, { nsref: "pipelines:market_summary" });
  return ns;
};

const hourly: TriggerSpec = {
  name: "hourly_market",
  dagNsref: "pipelines:market_summary",
  triggerType: "poll",
  schedule: "0 * * * *",
  timezone: "UTC",
};

describe("registerTrigger / getTrigger / listTriggers", () => {
  it("stores the seed's definition and gives it back by name", () => {
    const ns = seedNamespace();
    const returned = ns.registerTrigger(hourly);
    const got = ns.getTrigger("hourly_market");
    expect(got).toBe(returned);
    expect(got.name).toBe("hourly_market");
    expect(got.dagNsref).toBe("pipelines:market_summary");
    expect(got.triggerType).toBe("poll");
    expect(got.schedule?.expression).toBe("0 * * * *");
    expect(got.schedule?.timezone).toBe("UTC");
    // The schedule is parsed: the next tick after 00:30 UTC is 01:00 UTC.
    expect(got.schedule?.nextMs(Date.UTC(2026, 0, 5, 0, 30))).toBe(Date.UTC(2026, 0, 5, 1, 0));
    expect(ns.hasTrigger("hourly_market")).toBe(true);
    expect(ns.hasTrigger("nope")).toBe(false);
  });

  it("is declarative: the DAG nsref is not checked at registration", () => {
    // DESIGN/issue: dagNsref is checked when the trigger is activated (NsrefNotFound).
    const ns = new Namespace();
    expect(() =>
      ns.registerTrigger({ ...hourly, dagNsref: "pipelines:not_registered_yet" }),
    ).not.toThrow();
    expect(ns.getTrigger("hourly_market").dagNsref).toBe("pipelines:not_registered_yet");
  });

  it("lists every definition sorted by name", () => {
    const ns = seedNamespace();
    expect(ns.listTriggers()).toEqual([]);
    ns.registerTrigger({ ...hourly, name: "zeta" });
    ns.registerTrigger({
      name: "alpha",
      dagNsref: "pipelines:market_summary",
      triggerType: "push",
    });
    ns.registerTrigger({ ...hourly, name: "mid" });
    expect(ns.listTriggers().map((t) => t.name)).toEqual(["alpha", "mid", "zeta"]);
  });

  it("refuses a second trigger with the same name (DuplicateTrigger), keeping the first", () => {
    const ns = seedNamespace();
    ns.registerTrigger(hourly);
    const error = thrown(() => ns.registerTrigger({ ...hourly, schedule: "*/5 * * * *" }));
    expect(error).toBeInstanceOf(DuplicateTrigger);
    expect((error as DuplicateTrigger).name).toBe("hourly_market");
    expect((error as Error).message).toContain('"hourly_market"');
    expect(ns.getTrigger("hourly_market").schedule?.expression).toBe("0 * * * *");
    expect(ns.listTriggers()).toHaveLength(1);
  });

  it("an unknown name is TriggerNotFound naming the nearest registered ones", () => {
    const ns = seedNamespace();
    ns.registerTrigger(hourly);
    ns.registerTrigger({ ...hourly, name: "daily_report" });
    const error = thrown(() => ns.getTrigger("hourly_markt"));
    expect(error).toBeInstanceOf(TriggerNotFound);
    expect((error as TriggerNotFound).name).toBe("hourly_markt");
    expect((error as TriggerNotFound).nearest).toEqual(["hourly_market"]);
    expect((error as Error).message).toContain('Did you mean "hourly_market"');
  });

  it("an unknown name with nothing close says how to register one", () => {
    const ns = seedNamespace();
    const error = thrown(() => ns.getTrigger("completely_different"));
    expect(error).toBeInstanceOf(TriggerNotFound);
    expect((error as TriggerNotFound).nearest).toEqual([]);
    expect((error as Error).message).toContain("registerTrigger");
  });
});

describe("bad definitions are refused and not stored", () => {
  it("a poll trigger without a schedule is ScheduleRequired", () => {
    const ns = seedNamespace();
    const error = thrown(() =>
      ns.registerTrigger({
        name: "queue_check",
        dagNsref: "pipelines:market_summary",
        triggerType: "poll",
      }),
    );
    expect(error).toBeInstanceOf(ScheduleRequired);
    expect((error as ScheduleRequired).name).toBe("queue_check");
    expect((error as Error).message).toContain("needs a schedule");
    expect(ns.hasTrigger("queue_check")).toBe(false);
  });

  it("a poll trigger with a pollFn but no schedule is still ScheduleRequired", () => {
    const ns = seedNamespace();
    expect(
      thrown(() =>
        ns.registerTrigger({
          name: "queue_check",
          dagNsref: "pipelines:market_summary",
          triggerType: "poll",
          pollFn: () => null,
        }),
      ),
    ).toBeInstanceOf(ScheduleRequired);
  });

  it("a push trigger with a schedule is ScheduleNotAllowed quoting the schedule", () => {
    const ns = seedNamespace();
    const error = thrown(() =>
      ns.registerTrigger({
        name: "orders",
        dagNsref: "pipelines:market_summary",
        triggerType: "push",
        schedule: "* * * * *",
      }),
    );
    expect(error).toBeInstanceOf(ScheduleNotAllowed);
    expect((error as ScheduleNotAllowed).schedule).toBe("* * * * *");
    expect((error as Error).message).toContain('"* * * * *"');
    expect(ns.hasTrigger("orders")).toBe(false);
  });

  it.each([
    ["61 * * * *", "minute"],
    ["0 25 * * *", "hour"],
    ["0 0 32 * *", "day of month"],
    ["0 0 * 13 *", "month"],
    ["0 0 * * FUNDAY", "day of week"],
    ["70 * * * * *", "second"],
    ["* * *", "field count"],
  ])(
    "an invalid cron %j is InvalidSchedule quoting it and naming the %s field",
    (expression, field) => {
      const ns = seedNamespace();
      const error = thrown(() => ns.registerTrigger({ ...hourly, schedule: expression }));
      expect(error).toBeInstanceOf(InvalidSchedule);
      expect((error as InvalidSchedule).expression).toBe(expression);
      expect((error as InvalidSchedule).field).toBe(field);
      const message = (error as Error).message;
      expect(message).toContain(`"${expression}"`);
      expect(message).toContain(field);
      expect(ns.hasTrigger("hourly_market")).toBe(false);
    },
  );

  it("an unknown time zone is InvalidTimezone naming it", () => {
    const ns = seedNamespace();
    const error = thrown(() => ns.registerTrigger({ ...hourly, timezone: "Mars/Olympus" }));
    expect(error).toBeInstanceOf(InvalidTimezone);
    expect((error as InvalidTimezone).timezone).toBe("Mars/Olympus");
    expect((error as Error).message).toContain('"Mars/Olympus"');
    expect(ns.hasTrigger("hourly_market")).toBe(false);
  });

  it("a known IANA zone is kept on the schedule", () => {
    const ns = seedNamespace();
    const def = ns.registerTrigger({
      ...hourly,
      schedule: "0 9 * * MON-FRI",
      timezone: "Europe/Berlin",
    });
    expect(def.schedule?.timezone).toBe("Europe/Berlin");
    // Monday 2026-01-05 09:00 in Berlin (CET, +01:00) is 08:00 UTC.
    expect(def.schedule?.nextMs(Date.UTC(2026, 0, 3))).toBe(Date.UTC(2026, 0, 5, 8, 0));
  });

  it.each([
    ["", "empty"],
    ["has space", "a space"],
    ["slash/name", "a slash"],
    ["émoji", "a non-ASCII letter"],
  ])("an invalid name %j (%s) is InvalidTriggerDefinition on field name", (name) => {
    const ns = seedNamespace();
    const error = thrown(() => ns.registerTrigger({ ...hourly, name }));
    expect(error).toBeInstanceOf(InvalidTriggerDefinition);
    expect((error as InvalidTriggerDefinition).field).toBe("name");
    expect(ns.listTriggers()).toEqual([]);
  });

  it("names may use letters, digits, _, -, . and :", () => {
    const ns = seedNamespace();
    expect(ns.registerTrigger({ ...hourly, name: "eu.market:hourly-v2_1" }).name).toBe(
      "eu.market:hourly-v2_1",
    );
  });

  it("an invalid dagNsref is InvalidNsref at registration (the grammar, not existence)", () => {
    const ns = seedNamespace();
    const error = thrown(() => ns.registerTrigger({ ...hourly, dagNsref: "pipelines:bad-name" }));
    expect(error).toBeInstanceOf(InvalidNsref);
    expect((error as InvalidNsref).part).toBe("bad-name");
  });

  it("an unknown triggerType is InvalidTriggerOption on field triggerType", () => {
    const error = thrown(() =>
      defineTrigger({ ...hourly, triggerType: "schedule" as unknown as "poll" }),
    );
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect((error as InvalidTriggerOption).field).toBe("triggerType");
    expect((error as InvalidTriggerOption).message).toContain('"schedule"');
  });

  it('"cron" is a poll trigger without a pollFn, stored as "poll"', () => {
    const def = defineTrigger({ ...hourly, triggerType: "cron" });
    expect(def.triggerType).toBe("poll");
    expect(def.schedule?.expression).toBe(hourly.schedule);
    expect(
      thrown(() =>
        defineTrigger({ ...hourly, triggerType: "cron", schedule: undefined as unknown as string }),
      ),
    ).toBeInstanceOf(ScheduleRequired);
  });

  it('a "cron" trigger with a pollFn is refused on field pollFn', () => {
    const error = thrown(() =>
      defineTrigger({ ...hourly, triggerType: "cron", pollFn: () => null }),
    );
    expect(error).toBeInstanceOf(InvalidTriggerDefinition);
    expect((error as InvalidTriggerDefinition).field).toBe("pollFn");
  });

  it.each([
    ["pollTimeout", { pollTimeout: 0 }],
    ["pollTimeout", { pollTimeout: -5 }],
    ["pollTimeout", { pollTimeout: Number.NaN }],
    ["maxCatchUp", { maxCatchUp: 0 }],
    ["catchUpWindow", { catchUpWindow: -1 }],
  ] as const)("%s must be a positive number (%j)", (field, extra) => {
    const error = thrown(() => defineTrigger({ ...hourly, ...extra }));
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect((error as InvalidTriggerOption).field).toBe(field);
  });

  it("a pollFn that is not a function is refused", () => {
    const error = thrown(() => defineTrigger({ ...hourly, pollFn: 42 as unknown as () => null }));
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect((error as InvalidTriggerOption).field).toBe("pollFn");
  });
});

describe("defaults", () => {
  it("overlap skip, catchUp latest, maxCatchUp 100, pollTimeout 30000, no window", () => {
    const def = defineTrigger(hourly);
    expect(def.overlap).toBe("skip");
    expect(def.catchUp).toBe("latest");
    expect(def.maxCatchUp).toBe(100);
    expect(def.pollTimeout).toBe(30_000);
    expect(def.catchUpWindow).toBeUndefined();
    expect(def.pollFn).toBeUndefined();
    expect(def.payload).toBeUndefined();
  });

  it("a push trigger has no schedule", () => {
    const def = defineTrigger({
      name: "orders",
      dagNsref: "pipelines:process_order",
      triggerType: "push",
    });
    expect(def.schedule).toBeUndefined();
    expect(def.overlap).toBe("skip");
  });

  it("given values override the defaults", () => {
    const pollFn = () => null;
    const def = defineTrigger({
      ...hourly,
      overlap: "bufferOne",
      catchUp: "all",
      maxCatchUp: 7,
      pollTimeout: 1_500,
      catchUpWindow: 60_000,
      pollFn,
      payload: { region: "eu" },
    });
    expect(def).toMatchObject({
      overlap: "bufferOne",
      catchUp: "all",
      maxCatchUp: 7,
      pollTimeout: 1_500,
      catchUpWindow: 60_000,
      payload: { region: "eu" },
    });
    expect(def.pollFn).toBe(pollFn);
  });

  it("the time zone defaults to the process's own", () => {
    const def = defineTrigger({
      name: "local",
      dagNsref: "pipelines:market_summary",
      triggerType: "poll",
      schedule: "0 * * * *",
    });
    expect(def.schedule?.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it("6-field (seconds first) and named schedules are accepted", () => {
    const everyTen = defineTrigger({ ...hourly, schedule: "*/10 * * * * *" });
    expect(everyTen.schedule?.hasSeconds).toBe(true);
    expect(everyTen.schedule?.nextMs(Date.UTC(2026, 0, 5, 0, 0, 3))).toBe(
      Date.UTC(2026, 0, 5, 0, 0, 10),
    );
    for (const expression of [
      "0 * * * *",
      "*/5 * * * *",
      "0 9 * * MON-FRI",
      "0 0 * * *",
      "0 0 * * 0",
      "0 0 1 JAN *",
    ]) {
      expect(defineTrigger({ ...hourly, schedule: expression }).schedule?.expression).toBe(
        expression,
      );
    }
  });

  it("a schedule it cannot use names the trigger, and says how to write it once", () => {
    const bad = [
      { name: "t_jitter", dagNsref: "p:x", triggerType: "poll", every: "2s", jitter: "5s" },
      { name: "t_every", dagNsref: "p:x", triggerType: "poll", every: "15x" },
      { name: "t_cron", dagNsref: "p:x", triggerType: "poll", schedule: "61 * * * *" },
    ] as const;
    for (const spec of bad) {
      let error: unknown;
      try {
        defineTrigger(spec);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ _tag: "InvalidSchedule", trigger: spec.name });
      const message = (error as Error).message;
      expect(message.startsWith(`Trigger "${spec.name}": Invalid schedule`), message).toBe(true);
      expect(message.split("largest first").length, message).toBeLessThanOrEqual(2);
    }
  });
});
