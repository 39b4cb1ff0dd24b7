/**
 * The diff of an Asterisk install shows configuration files that hold secrets: pjsip.conf's auth passwords
 * (and a TLS transport's key passphrase), manager.conf's AMI secrets, sip.conf's peer secrets and the
 * passwords in its `register =>` lines. Their lines in the diff (context, added or removed) show the key and
 * `<hidden>` instead of the value: a --dry-run output is pasted into tickets and chats.
 */
const SECRET_KEYS =
  /^(password|secret|md5secret|remotesecret|md5_cred|oauth_secret|refresh_token|passphrase|tlspassphrase)$/i;

/** A diff line's marker (" ", "+", "-") then `key = value` or `key => value`. */
const SETTING = /^([ +-])(\s*)([A-Za-z0-9_.-]+)(\s*=>?\s*)(.*)$/;

export const HIDDEN = '<hidden>';

function hideLine(line: string): string {
  if (line.startsWith('--- ') || line.startsWith('+++ ')) return line;
  const m = SETTING.exec(line);
  if (!m) return line;
  const [mark, indent, key, op, value] = [m[1], m[2], m[3], m[4], m[5]].map((g) => g ?? '');
  if (mark === undefined || key === undefined || value === undefined) return line;
  if (SECRET_KEYS.test(key)) return `${mark}${indent}${key}${op}${HIDDEN}`;
  // sip.conf: register => [transport://]user[:secret[:authuser]]@host[:port][/extension]
  if (key.toLowerCase() === 'register') {
    const hidden = value.replace(/^((?:[a-z]+:\/\/)?[^:@/]*):[^@]*@/i, `$1:${HIDDEN}@`);
    return `${mark}${indent}${key}${op}${hidden}`;
  }
  return line;
}

export function hideSecrets(diff: string): string {
  return diff
    .split('\n')
    .map((l) => hideLine(l))
    .join('\n');
}
