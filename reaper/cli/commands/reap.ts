import { formatInstant } from "../../model";
import { runSweep } from "../../operations/run-sweep";
import { renderPlan } from "../../decision/render-plan";
import { type Command, UsageError } from "../parse-command";
import { renderRun, withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";
import { reapPlanCommand, reapPlanOutCommand } from "./reap-plan";

/**
 * `ephemera reap`: one sweep. A `--now` in the future is a simulated clock running
 * ahead: acting on it would delete environments before their expiry, so it needs
 * `--dry-run`, or `--allow-simulated-clock` to say so on purpose (a demo on an emulator).
 * A `--now` in the past only makes the reaper later, never earlier, and is allowed.
 */
export async function reapCommand(c: CommandContext, command: Extract<Command, { name: "reap" }>): Promise<number> {
  if (command.reviewed !== undefined) return reapPlanCommand(c, { ...command, reviewed: command.reviewed });
  if (command.planOut !== undefined) return reapPlanOutCommand(c, { ...command, planOut: command.planOut });
  const real = c.clock();
  const dryRun = c.settings.dryRun;
  const simulated = command.now !== undefined;
  if (command.now !== undefined && command.now.getTime() > real.getTime() && !dryRun && !command.allowSimulatedClock) {
    throw new UsageError(
      `--now ${formatInstant(command.now)} is in the future, and acting on a clock that runs ahead deletes environments early; ` +
        `add --dry-run to see what that later sweep would do, or --allow-simulated-clock to act anyway (emulators and demos only)`,
      "reap",
    );
  }
  if (simulated) c.io.stderr(`ephemera: deciding as of ${formatInstant(command.now!)} (simulated; the real time is ${formatInstant(real)})`);

  c.progress(`Discovering${command.env === undefined ? "" : ` ${command.env}`}…`);
  const result = await runSweep(c.runtime(), {
    dryRun,
    clock: c.clock,
    ...(command.env === undefined ? {} : { envs: [command.env] }),
    ...(command.now === undefined ? {} : { decideAt: command.now }),
    ...(c.adapters === undefined ? {} : { adapters: c.adapters }),
    onDiscovered: (inventory) => c.progress(`Found ${inventory.resources.length} resources; deciding…`),
    // The plan is shown before anything runs, so a person sees what is about to happen.
    onPlan: (plan) => {
      if (command.json) return;
      c.io.stdout(renderPlan(plan));
      if (!dryRun && plan.environments.length > 0) c.progress("\nActing…");
    },
  });

  if (command.json) {
    c.io.stdout(
      JSON.stringify(
        {
          runId: result.runId,
          ok: result.ok,
          dryRun: result.dryRun,
          ...(result.accountId === undefined ? {} : { accountId: result.accountId }),
          decidedAt: result.plan?.createdAt ?? null,
          simulatedClock: simulated,
          ...(result.error === undefined ? {} : { error: result.error }),
          ...(result.indexError === undefined ? {} : { indexError: result.indexError }),
          plan: result.plan ?? null,
          environments: result.result?.environments ?? [],
          actions: result.result?.actions ?? [],
          auditErrors: result.result?.auditErrors ?? [],
          timings: result.timings,
        },
        null,
        2,
      ),
    );
  } else {
    if (result.dryRun && result.plan !== undefined) {
      c.io.stdout("\nDry run: nothing was changed and no audit records were written.");
    } else if (result.result !== undefined && result.plan !== undefined && result.plan.environments.length > 0) {
      c.io.stdout(renderRun(result.result));
    }
    if (result.error !== undefined) c.io.stderr(`ephemera: ${withSettingHints(result.error)}`);
    for (const e of result.result?.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
    if (result.indexError !== undefined) c.io.stderr(`ephemera: ${result.indexError}`);
  }
  return result.ok ? EXIT.ok : EXIT.failed;
}
