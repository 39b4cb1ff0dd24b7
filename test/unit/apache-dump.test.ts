/** Reading what httpd says: `-S` output into vhosts, and the cause line of a failed config test. */
import { describe, expect, it } from 'vitest';
import { apacheCause, parseDumpVhosts } from '../../src/deploy/apache/dump.js';

// shaped like apache2 2.4.71's real output (seen on certbot's multiple_vhosts and centos7 trees)
const S = `VirtualHost configuration:
10.2.3.4:80            duplicate.example.com (/r/sites-enabled/duplicatehttp.conf:1)
*:80                   is a NameVirtualHost
         default server ip-172 (/r/sites-enabled/000-default.conf:1)
         port 80 namevhost ip-172 (/r/sites-enabled/000-default.conf:1)
         port 80 namevhost certbot.demo (/r/sites-enabled/certbot.conf:1)
                 alias www.certbot.demo
         port 80 namevhost test.com (macro 'vhost' (defined on line 1 of "/r/m.conf") used on line 11 of "/r/m.conf":1)
                 alias www.test.com
         port 80 namevhost example.net (/r/w.conf:1)
                 wild alias ??.example.net
*:443                  127.0.0.1 (/r/conf.d/ssl.conf:56)
ServerRoot: "/r"
Define: DUMP_VHOSTS
`;

describe('httpd -S', () => {
  it('one entry per vhost with its file:line, name, aliases (wild ones too), addresses, macro Use line', () => {
    const v = parseDumpVhosts(S);
    expect(
      v.map((d) => `${d.file}:${d.line} ${d.name} [${d.aliases.join(',')}] ${d.addresses.join(' ')}`),
    ).toEqual([
      '/r/sites-enabled/duplicatehttp.conf:1 duplicate.example.com [] 10.2.3.4:80',
      '/r/sites-enabled/000-default.conf:1 ip-172 [] *:80',
      '/r/sites-enabled/certbot.conf:1 certbot.demo [www.certbot.demo] *:80',
      '/r/m.conf:1 test.com [www.test.com] *:80',
      '/r/w.conf:1 example.net [??.example.net] *:80',
      '/r/conf.d/ssl.conf:56 127.0.0.1 [] *:443',
    ]);
    expect(v[3]!.macro).toEqual({ name: 'vhost', file: '/r/m.conf', line: 11 });
    // -S prints no aliases for an address with a single vhost
    expect(v.map((d) => d.aliasesKnown)).toEqual([false, true, true, true, true, false]);
  });
});

describe('the cause of a failed config test', () => {
  it("is Apache's AH00526 line with file and line, joined with the reason on the next line", () => {
    const out = `[Thu] [so:warn] AH01574: module ssl_module is already loaded, skipping
AH00526: Syntax error on line 5 of /etc/apache2/sites-enabled/woken.conf:
SSLCertificateFile: file '/nonexistent/woken.pem' does not exist or is empty
Action 'configtest' failed.
The Apache error log may have more information.`;
    expect(apacheCause(out)).toBe(
      "AH00526: Syntax error on line 5 of /etc/apache2/sites-enabled/woken.conf: SSLCertificateFile: file '/nonexistent/woken.pem' does not exist or is empty",
    );
  });

  it('a nested include error keeps the innermost file and line; otherwise the first AH line that is not a warning', () => {
    expect(
      apacheCause(
        'apache2: Syntax error on line 226 of /r/apache2.conf: Syntax error on line 44 of /r/x.conf: Could not open configuration file /etc/le/o.conf: No such file or directory',
      ),
    ).toMatch(/line 44 of \/r\/x\.conf: Could not open configuration file \/etc\/le\/o\.conf/);
    expect(
      apacheCause('AH00558: could not determine\nAH00534: apache2: Configuration error: No MPM loaded.'),
    ).toBe('AH00534: apache2: Configuration error: No MPM loaded.');
  });
});
