import * as Data from "effect/Data";

/**
 * Actions were asked for without a token to guard them: every fire, activate or
 * deactivate through the inspector must carry the token, so one must exist.
 *
 * @example
 * ```ts
 * createInspector({ store, actions }); // throws InspectorTokenMissing
 * ```
 */
export class InspectorTokenMissing extends Data.TaggedError("InspectorTokenMissing")<{
  readonly reason: string;
}> {
  override get message() {
    return `The inspector needs a token: ${this.reason}. Pass { token } to createInspector (at least 16 characters), or --token to tickflow ui.`;
  }
}

/**
 * `tickflow ui --host` names an address beyond this machine and no `--token` was given:
 * the pages would be open to the network with nothing to guard the actions.
 *
 * @example
 * ```ts
 * throw new UiHostNeedsToken({ host: "0.0.0.0" });
 * ```
 */
export class UiHostNeedsToken extends Data.TaggedError("UiHostNeedsToken")<{
  readonly host: string;
}> {
  override get message() {
    return `Refusing to serve on ${this.host} without a token: that address is reachable from other machines. Bind 127.0.0.1 (the default), or pass --token <secret> (at least 16 characters).`;
  }
}
