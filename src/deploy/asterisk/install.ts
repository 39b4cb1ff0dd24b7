import { CertkitError } from '../../errors.js';
export async function installAsterisk(_o: unknown): Promise<never> {
  throw new CertkitError('usage', 'install asterisk is not built yet');
}
