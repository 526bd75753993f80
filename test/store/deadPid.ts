import { spawn } from "node:child_process";

/**
 * The pid of a process that has just exited (a child of this one, reaped): a pid that
 * no process of this host has, barring reuse within the moment.
 */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => {
      if (child.pid === undefined) reject(new Error("the child got no pid"));
      else resolve(child.pid);
    });
  });
}
