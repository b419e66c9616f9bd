import { parseArgs } from 'node:util';
import { commands } from './commands.ts';

/**
 * `kopek <command> [subcommand] [options]`. Every command honours `--database` and
 * `DATABASE_URL` the same way: a SQLite file path (default ./data/kopek.db) or a postgres:// URL.
 */
const usage = `Usage: kopek <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

Run 'kopek <command> --help' for the options of one command.`;

/** The command words, wherever they stand: `kopek -d x.db migrate` is `kopek migrate -d x.db`. */
function commandWords(argv: string[]): { words: string[]; indexes: number[] } {
  const options = Object.assign({}, ...commands.map((c) => c.options));
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const positionals = tokens.filter((t) => t.kind === 'positional');
  return { words: positionals.map((t) => t.value), indexes: positionals.map((t) => t.index) };
}

async function main(argv: string[]): Promise<number> {
  const { words, indexes } = commandWords(argv);
  const two = commands.find((c) => c.name === `${words[0]} ${words[1]}`);
  const command = two ?? commands.find((c) => c.name === words[0]);
  if (!command) {
    const help = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || words[0] === 'help';
    (help ? console.log : console.error)(usage);
    return help ? 0 : 2;
  }
  const used = new Set(indexes.slice(0, two ? 2 : 1));
  const rest = argv.filter((_, i) => !used.has(i));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals === true,
      strict: true,
    });
  } catch (error) {
    console.error(`kopek ${command.name}: ${(error as Error).message}\n\n${command.help}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(command.help);
    return 0;
  }
  return command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code; // -1: a server keeps running
  },
  (error) => {
    console.error(`kopek: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
