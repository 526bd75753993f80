import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who holds a lease, beyond its owner id: the host, the process id and an identity of
 * that process's start (so a reused pid is not mistaken for the holder). Recorded with
 * the lease so that a restart on the same host can tell at once that the holder died.
 *
 * @example
 * ```ts
 * const me: ProcessIdentity = thisProcess();
 * ```
 */
export interface ProcessIdentity {
  /** `os.hostname()`. */
  readonly host: string;
  readonly pid: number;
  /**
   * On Linux `<boot id>:<start time in clock ticks>` (from /proc), comparable for any
   * process of this host; elsewhere `ms:<epoch ms>`, only this process's own.
   */
  readonly started: string;
}

const BOOT_ID = "/proc/sys/kernel/random/boot_id";

/** Read once: neither changes while this process lives. */
let self: ProcessIdentity | undefined;

/**
 * This process's identity.
 *
 * @example
 * ```ts
 * thisProcess().pid === process.pid; // true
 * ```
 */
export function thisProcess(): ProcessIdentity {
  if (self === undefined) {
    const linux = linuxStart(process.pid);
    self = {
      host: hostname(),
      pid: process.pid,
      started: linux ?? `ms:${Math.round(Date.now() - process.uptime() * 1000)}`,
    };
  }
  return self;
}

/**
 * Whether `holder` is a process of this host that no longer exists: its pid is not
 * running, or runs a process started at another time (the pid was reused), or it ran
 * before this host's last boot. Anything uncertain — another host, no identity recorded
 * (a lease from before tickflow recorded one), a platform where another process's start
 * cannot be read while its pid exists — counts as alive: the lease is then waited out,
 * never taken from a live holder.
 *
 * @example
 * ```ts
 * if (holderGone({ host: hostname(), pid: 999_999, started: "…" })) takeOver();
 * ```
 */
export function holderGone(holder: {
  readonly host: string | null | undefined;
  readonly pid: number | null | undefined;
  readonly started: string | null | undefined;
}): boolean {
  const { host, pid, started } = holder;
  if (host == null || pid == null || started == null) return false;
  if (host !== thisProcess().host) return false;
  const [boot] = started.split(":");
  const linux = started.startsWith("ms:") ? undefined : boot;
  if (linux !== undefined && linux !== bootId()) return true;
  if (!pidExists(pid)) return true;
  if (linux === undefined) return false;
  const now = linuxStart(pid);
  return now !== undefined && now !== started;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync(BOOT_ID, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** `<boot id>:<start ticks>` of a Linux process, or `undefined` off Linux or once it is gone. */
function linuxStart(pid: number): string | undefined {
  const boot = bootId();
  if (boot === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = fields[19]; // field 22, starttime
    return ticks === undefined ? undefined : `${boot}:${ticks}`;
  } catch {
    return undefined;
  }
}
