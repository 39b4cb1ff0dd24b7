/**
 * chan_sip (sip.conf): the tcptls [general] settings, with a default bind that does not collide with PJSIP's
 * TLS transports (those certkit plans, else those configured) and tlsclientmethod for its outgoing TLS.
 */
import { nonCollidingSipBind } from './binds.js';
import type { Draft } from './draft.js';
import { pjsipListeners } from './pjsip.js';
import { planTcptls } from './tcptls.js';

export function planChanSip(d: Draft): void {
  planTcptls(d, 'sip', {
    defaultBind: () => {
      // PJSIP's TLS transports count even when certkit does not configure PJSIP
      const pjsip = d.parts.includes('pjsip') ? [] : pjsipListeners(d.o.configDir, d.read, d.o.verifyHost);
      return nonCollidingSipBind([...d.endpoints, ...pjsip]);
    },
    own: ({ set }) => {
      set('tlsclientmethod', d.o.method === 'sslv23' ? 'sslv23' : 'tlsv1_2');
    },
  });
}
