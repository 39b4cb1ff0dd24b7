/**
 * The [general] tcptls settings http.conf, manager.conf and sip.conf share: tlsenable=yes, the bind (a
 * --*-bind flag, else what the file says, else the part's own default), and the certificate at the paths
 * tlscertfile/tlsprivatekey name (or certkit's, set there). A part adds its own settings through `own`.
 */
import { join } from 'node:path';
import { endpoint, withPort } from './binds.js';
import type { Draft } from './draft.js';
import { setValue, settingValue, type AstSection } from './parser.js';

export type TcptlsPart = 'http' | 'manager' | 'sip';

/** The [general] section being edited; `set` changes a setting only when its value differs. */
export interface GeneralSection {
  section: AstSection;
  set: (key: string, value: string) => void;
}

export interface TcptlsRules {
  /** the bind when neither a --*-bind flag nor the file names one */
  defaultBind: () => string;
  /** the part's own settings, after the certificate */
  own: (general: GeneralSection) => void;
}

export function planTcptls(d: Draft, part: TcptlsPart, rules: TcptlsRules): void {
  const { o } = d;
  const path = join(o.configDir, `${part}.conf`);
  const l = d.load(path);
  let general = l.file.sections.find((s) => s.header.name === 'general');
  if (!general) {
    const text = l.facts?.text ?? '';
    general = {
      header: {
        kind: 'section',
        raw: `${text && !text.endsWith('\n') ? '\n' : ''}[general]\n`,
        name: 'general',
        options: [],
      },
      lines: [],
    };
    l.file.sections.unshift(general);
  }
  const g = general;
  const set = (k: string, v: string) => {
    if (settingValue(g.lines, k) !== v) {
      setValue(g, k, v);
      d.edited.set(path, l);
    }
  };
  set('tlsenable', 'yes');
  const current = settingValue(g.lines, 'tlsbindaddr');
  let bind: string;
  if (o.binds?.[part]) bind = withPort(o.binds[part], part);
  else if (current) bind = withPort(current, part);
  else bind = rules.defaultBind();
  if (!current || withPort(current, part) !== bind) set('tlsbindaddr', bind);
  const certFile = settingValue(g.lines, 'tlscertfile');
  if (certFile) d.deliver(certFile, settingValue(g.lines, 'tlsprivatekey'), `${part}.conf tlscertfile`);
  else {
    set('tlscertfile', d.ourCert);
    set('tlsprivatekey', d.ourKey);
    d.deliver(d.ourCert, d.ourKey, `${part}.conf`);
  }
  rules.own({ section: g, set });
  d.endpoints.push(endpoint(part, `${part}.conf`, bind, o.verifyHost, current));
}
