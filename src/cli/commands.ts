/** Every command: flags, help with examples, and a lazy import of the code that runs it (see register/). */
import type { Command } from 'commander';
import { registerAcme } from './register/acme.js';
import { registerAudit } from './register/audit.js';
import { registerCertificates } from './register/certificates.js';
import { registerDeploy } from './register/deploy.js';
import { registerMonitor } from './register/monitor.js';
import type { Runner } from './register/shared.js';
import { registerTrust } from './register/trust.js';

export function registerCommands(program: Command, run: Runner): void {
  registerCertificates(program, run);
  registerAcme(program, run);
  registerDeploy(program, run);
  registerMonitor(program, run);
  registerAudit(program, run);
  registerTrust(program, run);
}
