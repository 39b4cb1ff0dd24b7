/** A Prompter that answers from a script and applies each question's validation like a terminal would. */
import type { Prompter } from '../../src/csr/wizard.js';

export interface Asked {
  kind: 'select' | 'input' | 'confirm';
  message: string;
}

export function scriptedPrompter(
  answers: (string | boolean)[],
): Prompter & { asked: Asked[]; rejected: string[] } {
  const queue = [...answers];
  const asked: Asked[] = [];
  const rejected: string[] = [];
  const next = (kind: Asked['kind'], message: string) => {
    asked.push({ kind, message });
    if (queue.length === 0) throw new Error(`script ran out of answers at: ${message}`);
    return queue.shift()!;
  };
  return {
    asked,
    rejected,
    async select(q) {
      const a = String(next('select', q.message));
      if (!q.choices.some((c) => c.value === a)) throw new Error(`"${a}" is not a choice for ${q.message}`);
      return a as never;
    },
    async input(q) {
      // like the terminal: an invalid answer is refused and the question asked again
      for (;;) {
        const a = String(next('input', q.message));
        const ok = q.validate ? q.validate(a) : true;
        if (ok === true) return a || q.default || '';
        rejected.push(ok);
      }
    },
    async confirm(q) {
      return Boolean(next('confirm', q.message));
    },
  };
}
