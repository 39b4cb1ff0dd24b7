// Writes new versions into a lineage forever (until killed): the victim of the crash test.
// argv: storeRoot lineage pairsJson
import { readFileSync } from 'node:fs';
import { Store } from '../../dist/store/store.js';

const [root, name, pairsFile] = process.argv.slice(2);
const pairs = JSON.parse(readFileSync(pairsFile, 'utf8'));
const store = new Store(root, { lockWaitMs: 20_000 });
let i = 0;
process.stdout.write('ready\n');
for (;;) {
  const p = pairs[i++ % pairs.length];
  await store.locked(() => store.addVersion(name, p, { keep: 3 }));
}
