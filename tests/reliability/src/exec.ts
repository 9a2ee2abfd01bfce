import { execFile } from "node:child_process";

/**
 * Runs a command to completion; rejects with its stderr (not just an exit
 * status) so a failed `ip` call says what the kernel refused.
 */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`\`${command} ${args.join(" ")}\` failed: ${stderr.trim() || error.message}`, { cause: error }));
      } else {
        resolve(stdout);
      }
    });
  });
}
