import * as Data from "effect/Data";

/**
 * This supervisor no longer holds the database's lease (another took over after it
 * expired, e.g. while this process was paused). The commit it attempted was refused as
 * a whole, so nothing it wrote landed; it steps down to standby.
 *
 * @example
 * ```ts
 * // reported through onError; manager.status() then says "standby"
 * ```
 */
export class LeaseLost extends Data.TaggedError("LeaseLost")<{
  readonly ownerId: string;
  readonly epoch: number;
  readonly holder: string | undefined;
  readonly holderEpoch: number | undefined;
  /** The trigger whose lease was lost (per-trigger leases); absent for the database lease. */
  readonly trigger?: string | undefined;
}> {
  override get message() {
    if (this.trigger !== undefined) {
      return `Supervisor ${this.ownerId} (epoch ${this.epoch}) no longer owns trigger "${this.trigger}": ${this.holder ?? "nobody"} holds it (epoch ${this.holderEpoch ?? "-"}). Its commit was refused; it stops firing that trigger.`;
    }
    return `Supervisor ${this.ownerId} (epoch ${this.epoch}) lost its lease to ${this.holder ?? "nobody"} (epoch ${this.holderEpoch ?? "-"}); its commit was refused and it steps down to standby.`;
  }
}
