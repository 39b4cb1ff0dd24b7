#!/usr/bin/env node
/**
 * A STAND-IN for Asterisk 20.20.1 (Asterisk is not packaged for Debian 12 and cannot run here). It models,
 * for TLS only, what was measured on the real program (../../docs and the team's field notes, section
 * "Asterisk"), so that certkit's installer meets the same surprises it would meet on a real PBX:
 *
 * - one daemon with a control socket, and `asterisk -rx "<command>"` / `asterisk -V` as a client of it;
 *   `-rx` exits 0 ALWAYS (also for "No such command"), module reloads print "reloaded successfully" even when
 *   the new certificate failed to load;
 * - per-part listeners on their own ports (PJSIP transports, http.conf, manager.conf, sip.conf) serving real
 *   TLS from the configured files;
 * - PJSIP (`module reload res_pjsip.so`): a NEW transport is started; an existing one with allow_reload=no keeps
 *   its bind/method and IGNORES a changed cert_file/priv_key_file path ("Unable to restart TLS transport ...
 *   filename has changed": keeps serving the old cert); with the same paths it restarts TLS only when the size
 *   or mtime (with nanoseconds) of the cert or key changed; allow_reload=yes recreates a changed transport;
 *   a misspelled option, a bad `method` value or a missing/unreadable cert file rejects the object and the
 *   whole reload ("Retaining existing configuration"); `method` unset means TLS 1.0 only (refused by OpenSSL 3
 *   clients); `pjsip reload` and `reload` are "No such command";
 * - HTTPS (`module reload http`) reloads TLS on every reload, except after a failed TLS load: then only once
 *   http.conf itself changed (stat);
 * - AMI (`manager reload`) does nothing while manager.conf is unchanged (stat: size + mtime);
 * - http.conf and manager.conf listen (TLS included) only with enabled=yes in [general] (default no);
 * - chan_sip (`sip reload`) works asynchronously (SIP_RELOAD_DELAY_MS, default 1500 ms); with users.conf
 *   present it does nothing while sip.conf and users.conf are unchanged;
 * - broken files (mismatched key, truncated cert) after a reload: the port stays bound and every handshake
 *   fails (the old cert is NOT kept); at start-up broken files leave the port unbound; an unknown option in
 *   http.conf is a warning, in manager.conf and sip.conf silently ignored;
 * - established TLS connections survive reloads.
 * Every notable event goes to <dir>/messages (like Asterisk's log) and every command to <dir>/commands.
 *
 *   daemon: asterisk-standin.mjs --daemon --config-dir DIR --ctl SOCKET --log-dir DIR
 *   client: asterisk-standin.mjs --ctl SOCKET -rx "module reload res_pjsip.so"   |   -V
 *   env: SIP_RELOAD_DELAY_MS (chan_sip's reload delay), STANDIN_CHAN_SIP=no (a build without chan_sip, as 21+)
 */
import { appendFileSync, existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer as netServer } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';

const VERSION = 'Asterisk 20.20.1 (certkit test stand-in: TLS behaviour only)';

// ---------------------------------------------------------------- config files, read as Asterisk does
/** Sections of a config file and its #include/#tryinclude files; throws on a missing #include. */
function readAsteriskConfig(configDir, name) {
  const sections = [];
  const files = [];
  const visit = (path, required) => {
    if (!existsSync(path)) {
      if (required) throw new Error(`The file '${path}' was listed as a #include but it does not exist.`);
      return;
    }
    files.push(path);
    let current = null;
    let inBlock = false;
    readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        let line = raw;
        if (inBlock) {
          if (!line.includes('--;')) return;
          line = line.slice(line.indexOf('--;') + 3);
          inBlock = false;
        }
        const open = line.indexOf(';--');
        if (open >= 0 && line[open + 3] !== '-' && !line.slice(open + 3).includes('--;')) {
          inBlock = true;
          line = line.slice(0, open);
        }
        let body = '';
        for (let j = 0; j < line.length; j++) {
          if (line[j] === '\\' && line[j + 1] === ';') {
            body += ';';
            j++;
          } else if (line[j] === ';') break;
          else body += line[j];
        }
        body = body.trim();
        if (!body) return;
        const inc = /^#(include|tryinclude)\s+"?([^"]+?)"?$/.exec(body);
        if (inc) {
          visit(isAbsolute(inc[2]) ? inc[2] : join(configDir, inc[2]), inc[1] === 'include');
          return;
        }
        const sec = /^\[([^\]]+)\]\s*(?:\(([^)]*)\))?/.exec(body);
        if (sec) {
          const opts = (sec[2] ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const name = sec[1].trim();
          const prior = opts.includes('+') && sections.findLast((s) => s.name === name);
          if (prior) current = prior;
          else {
            current = { name, template: opts.includes('!'), vars: [], file: path };
            for (const p of opts.filter((o) => o !== '!' && o !== '+')) {
              const t = sections.findLast((s) => s.name === p);
              if (t) current.vars.push(...t.vars);
            }
            sections.push(current);
          }
          return;
        }
        const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(body);
        if (kv && current)
          current.vars.push({ key: kv[1].trim().toLowerCase(), value: kv[2].trim(), line: i + 1 });
      });
  };
  visit(join(configDir, name), true);
  return { sections, files };
}

const value = (section, key) => section?.vars.findLast((v) => v.key === key)?.value;
const fileStat = (path) => {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.size}:${st.mtimeNs}`;
  } catch {
    return 'missing';
  }
};
const statsOf = (files) => files.map((f) => `${f}=${fileStat(f)}`).join('|');

// ---------------------------------------------------------------- TLS listeners
const METHODS = {
  default: ['TLSv1', 'TLSv1'],
  unspecified: ['TLSv1', 'TLSv1'],
  tlsv1: ['TLSv1', 'TLSv1'],
  tlsv1_1: ['TLSv1.1', 'TLSv1.1'],
  tlsv1_2: ['TLSv1.2', 'TLSv1.2'],
  tlsv1_3: ['TLSv1.3', 'TLSv1.3'],
  sslv2: ['TLSv1', 'TLSv1'],
  sslv3: ['TLSv1', 'TLSv1'],
  sslv23: ['TLSv1', 'TLSv1.3'],
};

/** TLS options from the files (checked by making a context), or an error (missing file, truncated cert, key that does not match). */
function loadTls(certFile, keyFile, method = 'sslv23') {
  try {
    const [minVersion, maxVersion] = METHODS[method];
    const options = {
      cert: readFileSync(certFile),
      key: readFileSync(keyFile || certFile),
      minVersion,
      maxVersion,
      ciphers: 'DEFAULT:@SECLEVEL=0',
    };
    createSecureContext(options);
    return { ctx: options };
  } catch (err) {
    return { error: err.message };
  }
}

const parseBind = (bind, defaultPort) => {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(bind.trim());
  return { host: m[1] || '0.0.0.0', port: m[2] ? Number(m[2]) : defaultPort };
};

class TlsPort {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.options = null; // null: bound, every handshake fails
    this.server = null;
  }
  /** tls options to serve, or null: the port stays bound and every handshake fails */
  set ctx(options) {
    this.options = options;
    if (options && this.server) this.server.setSecureContext(options);
  }
  listen(options) {
    this.options = options;
    this.server = createTlsServer(options ?? {}, (tls) => {
      tls.on('error', () => {});
      tls.setTimeout(10_000, () => tls.destroy());
      tls.on('data', () => {});
    });
    this.server.on('connection', (socket) => {
      if (!this.options) socket.destroy();
    });
    this.server.on('tlsClientError', () => {});
    return new Promise((resolve) => {
      this.server.once('error', (err) => resolve(err));
      this.server.listen(this.port, this.host, () => resolve(null));
    });
  }
  close() {
    return new Promise((r) => this.server.close(() => r())); // established connections survive
  }
}

// ---------------------------------------------------------------- the daemon
class Standin {
  constructor(configDir, logDir) {
    this.configDir = configDir;
    this.logDir = logDir;
    this.transports = new Map(); // name -> { opts, certStat, keyStat, port }
    this.tcptls = new Map(); // http|manager|sip -> { stats, failed, port, bind }
    this.sipDelay = Number(process.env.SIP_RELOAD_DELAY_MS ?? 1500);
    this.chanSip = process.env.STANDIN_CHAN_SIP !== 'no';
  }

  log(level, source, msg) {
    appendFileSync(
      join(this.logDir, 'messages'),
      `[${new Date().toISOString()}] ${level}[${process.pid}] ${source}: ${msg}\n`,
    );
  }

  async startup() {
    await this.pjsip(true);
    await this.http(true);
    await this.manager(true);
    if (this.chanSip) await this.sip(true);
  }

  async rx(cmd) {
    appendFileSync(join(this.logDir, 'commands'), `${cmd}\n`);
    switch (cmd.trim().replace(/\s+/g, ' ')) {
      case 'module reload res_pjsip.so':
        await this.pjsip(false);
        return "Module 'res_pjsip.so' reloaded successfully.";
      case 'module reload http':
        await this.http(false);
        return "Module 'http' reloaded successfully.";
      case 'manager reload':
        await this.manager(false);
        return '';
      case 'sip reload':
        if (!this.chanSip) break; // Asterisk 21+ has no chan_sip
        setTimeout(() => void this.sip(false), this.sipDelay);
        return '';
      case 'core show version':
        return VERSION;
    }
    return `No such command '${cmd}' (type 'core show help ${cmd}' for other possible commands)`;
  }

  // PJSIP transports: see res_pjsip/config_transport.c transport_apply()
  async pjsip(startup) {
    const src = 'res_pjsip_transport.c';
    let conf;
    try {
      conf = readAsteriskConfig(this.configDir, 'pjsip.conf');
    } catch (err) {
      this.log('ERROR', 'config.c', err.message);
      return;
    }
    const wanted = [];
    for (const s of conf.sections) {
      if (s.template || value(s, 'type') !== 'transport') continue;
      const problem = transportProblem(s);
      if (problem) {
        this.log('ERROR', 'config_options.c', problem);
        this.log(
          'ERROR',
          'res_sorcery_config.c',
          `Could not create an object of type 'transport' with id '${s.name}' from configuration file 'pjsip.conf'`,
        );
        this.log('NOTICE', 'res_sorcery_config.c', 'Retaining existing configuration for pjsip.conf');
        return;
      }
      if (value(s, 'protocol')?.toLowerCase() === 'tls') wanted.push(s);
    }
    for (const s of wanted) {
      const opts = {
        bind: value(s, 'bind') ?? '',
        certFile: value(s, 'cert_file') ?? '',
        keyFile: value(s, 'priv_key_file') ?? '',
        method: (value(s, 'method') ?? 'default').toLowerCase(),
        allowReload: /^(yes|true|on|1)$/i.test(value(s, 'allow_reload') ?? 'no'),
        all: JSON.stringify(s.vars.map((v) => [v.key, v.value])),
      };
      const stats = { certStat: fileStat(opts.certFile), keyStat: fileStat(opts.keyFile) };
      const perm = this.transports.get(s.name);
      if (perm && !opts.allowReload) {
        this.log(
          'NOTICE',
          src,
          `Transport '${s.name}' is not fully reloadable, not reloading: protocol, bind, TLS (everything but certificate and private key if filename is unchanged), TCP, ToS, or CoS options.`,
        );
        if (perm.opts.certFile !== opts.certFile || perm.opts.keyFile !== opts.keyFile) {
          this.log(
            'ERROR',
            src,
            `Unable to restart TLS transport '${s.name}' as certificate or private key filename has changed`,
          );
        } else if (perm.certStat !== stats.certStat || perm.keyStat !== stats.keyStat) {
          const tls = loadTls(perm.opts.certFile, perm.opts.keyFile, perm.opts.method);
          if (tls.error)
            this.log(
              'ERROR',
              'pjlib',
              `TLS transport '${s.name}' restarted with unusable files: ${tls.error}`,
            );
          perm.port.ctx = tls.ctx ?? null; // port stays bound; broken files: every handshake fails
          Object.assign(perm, stats);
        }
        continue;
      }
      if (
        perm &&
        perm.opts.all === opts.all &&
        perm.certStat === stats.certStat &&
        perm.keyStat === stats.keyStat
      )
        continue;
      if (perm) {
        await perm.port.close();
        this.transports.delete(s.name);
      }
      const { host, port } = parseBind(opts.bind, 5061);
      const tls = loadTls(opts.certFile, opts.keyFile, opts.method);
      if (tls.error) {
        this.log('ERROR', src, `Transport '${s.name}' could not be started: ${tls.error}`);
        continue;
      }
      const listener = new TlsPort(host, port);
      const err = await listener.listen(tls.ctx);
      if (err) {
        this.log('ERROR', src, `Transport '${s.name}' could not be started: ${err.code ?? err.message}`);
        continue;
      }
      this.transports.set(s.name, { opts, ...stats, port: listener });
      if (!startup) this.log('NOTICE', src, `Transport '${s.name}' started on ${host}:${port}`);
    }
  }

  /** http.conf, manager.conf and sip.conf: the tcptls server of [general]. */
  async tcptlsLoad(part, file, { defaultPort, warnUnknown, onlyWhenChanged }) {
    const source = { http: 'http.c', manager: 'manager.c', sip: 'chan_sip.c' }[part];
    const state = this.tcptls.get(part) ?? { stats: '', failed: false, port: null };
    this.tcptls.set(part, state);
    if (!existsSync(join(this.configDir, file))) return;
    let conf;
    try {
      conf = readAsteriskConfig(this.configDir, file);
    } catch (err) {
      this.log('ERROR', 'config.c', err.message);
      return;
    }
    const stats =
      statsOf(conf.files) + (part === 'sip' ? `|users=${fileStat(join(this.configDir, 'users.conf'))}` : '');
    const changed = stats !== state.stats;
    if (state.stats && !changed && onlyWhenChanged(state)) {
      this.log('VERBOSE', source, `Config file ${file} unchanged, skipping`);
      return;
    }
    state.stats = stats;
    const general = conf.sections.find((s) => s.name === 'general');
    const known = [
      'tlsenable',
      'sslenable',
      'tlsbindaddr',
      'sslbindaddr',
      'tlscertfile',
      'sslcert',
      'tlsprivatekey',
      'sslprivatekey',
      'tlscafile',
      'tlscapath',
      'tlscipher',
      'tlsclientmethod',
      'tlsdontverifyserver',
    ];
    if (warnUnknown)
      for (const v of general?.vars ?? [])
        if (/^(tls|ssl)/.test(v.key) && !known.includes(v.key))
          this.log('WARNING', source, `Ignoring unknown option '${v.key}' in ${file}`);
    // http.conf and manager.conf: nothing listens, TLS included, unless the server is on (enabled, default no)
    const serverOn = part === 'sip' || /^(yes|true|on|1)$/i.test(value(general, 'enabled') ?? 'no');
    const enabled =
      serverOn &&
      /^(yes|true|on|1)$/i.test(value(general, 'tlsenable') ?? value(general, 'sslenable') ?? 'no');
    const bind = value(general, 'tlsbindaddr') ?? value(general, 'sslbindaddr') ?? `0.0.0.0:${defaultPort}`;
    const certFile =
      value(general, 'tlscertfile') ?? value(general, 'sslcert') ?? '/etc/asterisk/asterisk.pem';
    const keyFile = value(general, 'tlsprivatekey') ?? value(general, 'sslprivatekey') ?? certFile;
    const { host, port } = parseBind(bind, defaultPort);
    if (state.port && (!enabled || state.port.host !== host || state.port.port !== port)) {
      await state.port.close();
      state.port = null;
    }
    if (!enabled) return;
    const tls = loadTls(certFile, keyFile);
    state.failed = !!tls.error;
    if (tls.error)
      this.log('ERROR', 'tcptls.c', `${part}: unable to load TLS certificate ${certFile}: ${tls.error}`);
    if (!state.port) {
      if (tls.error && this.starting) return; // at start-up, broken files: port not bound
      const listener = new TlsPort(host, port);
      const err = await listener.listen(tls.ctx ?? null);
      if (err) {
        this.log('ERROR', 'tcptls.c', `${part}: unable to bind ${host}:${port}: ${err.code ?? err.message}`);
        return;
      }
      state.port = listener;
    }
    state.port.ctx = tls.ctx ?? null;
  }

  http(startup) {
    this.starting = startup;
    // reloads TLS every time, but after a failed TLS load only once http.conf changed
    return this.tcptlsLoad('http', 'http.conf', {
      defaultPort: 8089,
      warnUnknown: true,
      onlyWhenChanged: (s) => s.failed,
    });
  }

  manager(startup) {
    this.starting = startup;
    return this.tcptlsLoad('manager', 'manager.conf', {
      defaultPort: 5039,
      warnUnknown: false,
      onlyWhenChanged: () => true,
    });
  }

  sip(startup) {
    this.starting = startup;
    const users = existsSync(join(this.configDir, 'users.conf'));
    return this.tcptlsLoad('sip', 'sip.conf', {
      defaultPort: 5061,
      warnUnknown: false,
      onlyWhenChanged: () => users,
    });
  }
}

const TRANSPORT_OPTIONS = new Set(
  'type protocol bind async_operations ca_list_file ca_list_path cert_file priv_key_file password external_signaling_address external_signaling_port external_media_address domain verify_server verify_client require_client_cert method cipher local_net tos cos websocket_write_timeout allow_reload symmetric_transport allow_wildcard_certs tcp_keepalive_enable tcp_keepalive_idle_time tcp_keepalive_interval_time tcp_keepalive_probe_count'.split(
    ' ',
  ),
);

/** Why pjsip would refuse this transport object, or null. */
function transportProblem(s) {
  for (const v of s.vars) {
    if (!TRANSPORT_OPTIONS.has(v.key))
      return `Could not find option suitable for category '${s.name}' named '${v.key}' at line ${v.line} of pjsip.conf`;
    if (v.key === 'method' && !(v.value.toLowerCase() in METHODS))
      return `Error parsing method=${v.value} at line ${v.line} of pjsip.conf`;
    if ((v.key === 'cert_file' || v.key === 'priv_key_file') && v.value) {
      try {
        readFileSync(v.value);
      } catch {
        return `Transport: ${s.name}: ${v.key} ${v.value} is either missing or not readable`;
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------- command line
async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const ctl = arg('--ctl');
  if (argv.includes('-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (argv.includes('--daemon')) {
    const standin = new Standin(arg('--config-dir'), arg('--log-dir'));
    await standin.startup();
    if (existsSync(ctl)) unlinkSync(ctl);
    let queue = Promise.resolve();
    const control = netServer((sock) => {
      let buf = '';
      sock.on('error', () => {});
      sock.on('data', (d) => {
        buf += d;
        if (!buf.includes('\n')) return;
        const cmd = buf.slice(0, buf.indexOf('\n'));
        queue = queue.then(async () => sock.end(`${await standin.rx(cmd)}\n`)).catch(() => sock.destroy());
      });
    });
    control.listen(ctl, () => process.stdout.write('ready\n'));
    process.on('SIGTERM', () => process.exit(0));
    // the test process that started it is gone: so is the stand-in
    const parent = process.ppid;
    const orphaned = () => {
      try {
        process.kill(parent, 0);
        return false;
      } catch {
        return true;
      }
    };
    setInterval(() => orphaned() && process.exit(0), 1000).unref();
    return undefined;
  }
  const rx = arg('-rx');
  if (rx === undefined) {
    process.stderr.write('usage: asterisk -rx "<command>" | -V\n');
    return 1;
  }
  return new Promise((resolve) => {
    const sock = createConnection(ctl);
    let out = '';
    sock.on('data', (d) => (out += d));
    sock.on('connect', () => sock.write(`${rx}\n`));
    sock.on('error', () => {
      process.stdout.write(`Unable to connect to remote asterisk (does ${ctl} exist?)\n`);
      resolve(1);
    });
    sock.on('close', () => {
      process.stdout.write(out);
      resolve(0); // the real `asterisk -rx` exits 0 whatever the command did
    });
  });
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
