// Preloaded with -r: at exit, prints every CommonJS module file that was loaded (one per line) to fd 3.
const fs = require('node:fs');
process.on('exit', () => {
  try {
    fs.writeSync(3, Object.keys(require.cache).join('\n') + '\n');
  } catch {}
});
