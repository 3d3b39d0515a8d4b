// Owns the `llmlb` command line: its commands, argument errors and exit codes (0 ok, 1 failure, 2 bad usage).
import { Command, CommanderError } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { CliError } from "./client.js";
import { benchCommand } from "./commands/bench.js";
import { endpointsCommand } from "./commands/endpoints.js";
import { keysCommand } from "./commands/keys.js";
import { serveCommand } from "./commands/serve.js";
import { statsCommand, statusCommand } from "./commands/status.js";
import { addGlobalOptions, type CliIo } from "./context.js";

/** Commander's messages (with a "Did you mean" hint) as one line. */
const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, " ");

export function buildProgram(io: CliIo): Command {
  const program = new Command("llmlb")
    .description("llmlb — one OpenAI-compatible URL in front of many LLM inference servers")
    .version(packageJson.version, "-V, --version", "print the llmlb version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (message, write) => write(`llmlb: ${oneLine(message.replace(/^error: /, ""))}\n`),
    });
  addGlobalOptions(program);
  program.addCommand(serveCommand(io));
  program.addCommand(statusCommand(io));
  program.addCommand(endpointsCommand(io));
  program.addCommand(keysCommand(io));
  program.addCommand(statsCommand(io));
  program.addCommand(benchCommand(io));
  // Subcommands inherit the output and exit handling.
  for (const command of program.commands) {
    command.exitOverride().configureOutput(program.configureOutput());
    for (const sub of command.commands) sub.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

/** Runs argv (without node and the script); returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by outputError.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      if (error.message) io.stderr(`llmlb: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`llmlb: unexpected error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
