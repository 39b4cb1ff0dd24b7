/** Host names to addresses with a deadline: getaddrinfo has none, and a dead resolver must not stall the run. */
import { lookup } from 'node:dns/promises';

export type Resolved = { addresses: string[] } | { error: string };

type Lookup = (host: string, o: { all: true }) => Promise<{ address: string }[]>;

export async function resolveAll(
  host: string,
  timeoutMs: number,
  resolver: Lookup = lookup,
): Promise<Resolved> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      resolver(host, { all: true }).then((r) => ({ addresses: r.map((a) => a.address) })),
      new Promise<Resolved>((resolve) => {
        timer = setTimeout(
          () => resolve({ error: `${host}: no DNS answer within ${timeoutMs / 1000} s` }),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    return { error: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    clearTimeout(timer);
  }
}
