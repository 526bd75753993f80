import * as Data from "effect/Data";

/**
 * A time zone name that this runtime does not know. Names are IANA zone ids such as
 * "Europe/Berlin" or "UTC".
 *
 * @example
 * ```ts
 * try { parseSchedule("0 9 * * *", { timezone: "Mars/Olympus" }); }
 * catch (e) { if (e instanceof InvalidTimezone) console.log(e.timezone); } // "Mars/Olympus"
 * ```
 */
export class InvalidTimezone extends Data.TaggedError("InvalidTimezone")<{
  readonly timezone: string;
}> {
  override get message() {
    return `Unknown time zone "${this.timezone}": use an IANA zone id such as "UTC", "Europe/Berlin" or "America/New_York" (Intl.supportedValuesOf("timeZone") lists them).`;
  }
}
