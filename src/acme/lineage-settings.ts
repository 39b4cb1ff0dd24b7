/** What an ACME lineage stores so that `certkit renew` can run it unattended (schema: src/config/schemas.ts). */
export type { AcmeLineageSettings } from '../config/schemas.js';
