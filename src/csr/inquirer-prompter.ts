/** The real Prompter: @inquirer/prompts on a terminal. */
import type { Prompter } from './wizard.js';

export async function inquirerPrompter(): Promise<Prompter> {
  const { select, input, confirm } = await import('@inquirer/prompts');
  return {
    select: (q) => select({ message: q.message, choices: q.choices, default: q.default }),
    input: (q) => input({ message: q.message, default: q.default, validate: q.validate }),
    confirm: (q) => confirm({ message: q.message, default: q.default }),
  };
}
