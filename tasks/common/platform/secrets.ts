import type { TaskHost } from "./taskHost";

// PEM armour lines are public boilerplate; masking them would only blank unrelated log lines.
const pemArmour = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

/**
 * Registers a secret with the agent's log masker before anything could print it.
 * The agent masks line by line and rejects multi-line secrets, so a PEM or JSON blob is masked per line.
 */
export function maskSecret(host: TaskHost, secret: string | undefined): void {
  if (!secret) {
    return;
  }
  const lines = secret.split(/\r?\n/).map((line) => line.trim());
  const maskable = lines.length === 1 ? lines : lines.filter((line) => line.length >= 8 && !pemArmour.test(line));
  for (const line of maskable) {
    if (line) {
      host.setSecret(line);
    }
  }
}
