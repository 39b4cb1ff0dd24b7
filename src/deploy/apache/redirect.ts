/**
 * The HTTP→HTTPS redirect certkit manages in each HTTP site: only for the names the certificate covers, ahead
 * of the site's own rewrite/redirect rules, never inside a macro; and which of a site's own rules already send
 * the client to https:// (those stay on the HTTP side when the site gets an HTTPS twin).
 */
import { vhostNames, type Vhost } from './config.js';
import type { PlanEdits } from './edits.js';
import { BEGIN, managed, stripManaged } from './managed.js';
import { childIndent, printApache, type BlockNode, type ConfNode } from './parser.js';
import type { ApachePlanOptions, PlannedSite } from './plan-options.js';
import { vhostLabel } from './sites.js';

/** A rule that itself sends the client to https:// belongs to the HTTP side only. */
export function redirectsToHttps(n: ConfNode): boolean {
  if (n.kind !== 'directive') return false;
  const name = n.name.toLowerCase();
  if (name === 'rewriterule') return /^https:\/\//i.test(n.args[1] ?? '');
  if (
    name === 'redirect' ||
    name === 'redirectpermanent' ||
    name === 'redirectmatch' ||
    name === 'redirecttemporary'
  )
    return n.args.some((a) => /^https:\/\//i.test(a));
  return false;
}

function hostRegex(names: string[]): string {
  return names
    .map((n) =>
      n
        .replace(/[.+^${}()|\\[\]]/g, '\\$&')
        .replace(/\*/g, '[^.]+')
        .replace(/\?/g, '.'),
    )
    .join('|');
}

function redirectLines(o: ApachePlanOptions, onlyFor: string[] | null): string[] {
  const port = o.tlsPort === 443 ? '' : `:${o.tlsPort}`;
  return [
    'RewriteEngine on',
    'RewriteCond %{REQUEST_URI} !^/\\.well-known/acme-challenge/',
    ...(onlyFor ? [`RewriteCond %{HTTP_HOST} ^(${hostRegex(onlyFor)})(:[0-9]+)?$ [NC]`] : []),
    'RewriteCond %{THE_REQUEST} ^\\S+\\s+(/\\S*)',
    `RewriteRule ^ https://%{SERVER_NAME}${port}%1 [R=301,NE,L${o.unsafeAllow3F ? ',UnsafeAllow3F' : ''}]`,
  ];
}

/** The managed redirect of one HTTP vhost's block: removed, then (with --redirect) put back. */
function setRedirect(block: BlockNode, http: Vhost, s: PlannedSite, o: ApachePlanOptions): void {
  block.children = stripManaged(block.children, 'redirect');
  if (!o.redirect) return;
  // a vhost without names (a port's default, chosen by --vhost) answers every name: redirect only the installed ones
  // (with the names another certkit install serves over HTTPS: their redirect stays)
  const onlyFor = s.uncovered.length || !vhostNames(http).length ? [...s.names, ...s.httpsElsewhere] : null;
  // before the site's own rewrite/redirect rules: a site rule with [L] or [PT] must not keep a URL on HTTP
  const first = block.children.findIndex((c) => c.kind !== 'text' && /^(rewrite|redirect)/i.test(c.name));
  const lines = managed('redirect', redirectLines(o, onlyFor), childIndent(block));
  if (first < 0) block.children.push(...lines);
  else block.children.splice(first, 0, ...lines);
}

/** The redirect (or its removal) in each HTTP site, only for the names the certificate covers. */
export function planRedirects(
  sites: PlannedSite[],
  o: ApachePlanOptions,
  edits: PlanEdits,
  notes: string[],
): void {
  for (const s of sites) {
    if (!s.http) continue;
    if (s.http.macro) {
      notes.push(
        `not redirected: ${vhostLabel(s.http)} is made by the macro ${s.http.macro.name} (a redirect there would change every Use of it)`,
      );
      continue;
    }
    const block = edits.blockFor(s.http);
    const before = printApache(block.children);
    setRedirect(block, s.http, s, o);
    if (!o.redirect && before.includes(BEGIN('redirect')))
      notes.push(`redirect to HTTPS removed from ${vhostLabel(s.http)} (--no-redirect)`);
    // told when this run writes the redirect (a re-run that finds it in place changes nothing)
    if (o.redirect && s.uncovered.length && printApache(block.children) !== before)
      notes.push(`not redirected (the certificate does not cover them): ${s.uncovered.join(', ')}`);
  }
}
