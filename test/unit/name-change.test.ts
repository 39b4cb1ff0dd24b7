/** How a request's names compare with its lineage's (src/acme/name-change.ts): expand said, drop refused. */
import { describe, expect, it } from 'vitest';
import { compareNames, droppedNamesError, nameChangeLine } from '../../src/acme/name-change.js';

describe('compareNames', () => {
  it('a new lineage: nothing added or dropped, nothing said', () => {
    const c = compareNames([], ['www.example.test', 'example.test']);
    expect(c).toEqual({ current: [], added: [], dropped: [] });
    expect(nameChangeLine('www.example.test', c)).toBeNull();
  });

  it('the QA case: www+new against www+example drops example.test and adds new.example.test', () => {
    const c = compareNames(
      ['www.example.test', 'example.test', 'www.example.test'],
      ['www.example.test', 'new.example.test'],
    );
    expect(c).toEqual({
      current: ['www.example.test', 'example.test'],
      added: ['new.example.test'],
      dropped: ['example.test'],
    });
    expect(droppedNamesError('www.example.test', c).kind).toBe('usage');
    expect(droppedNamesError('www.example.test', c).message).toMatch(
      /also covers example\.test, .* drop it;/,
    );
  });

  it('the same names in another order or spelling, and an IPv6 address as a certificate prints it', () => {
    const c = compareNames(['EXAMPLE.test', '0:0:0:0:0:0:0:1'], ['::1', 'example.test']);
    expect(c.added).toEqual([]);
    expect(c.dropped).toEqual([]);
    expect(nameChangeLine('x', c)).toBeNull();
  });

  it('one line for added and dropped names', () => {
    const c = compareNames(['a.test', 'b.test'], ['a.test', 'c.test']);
    expect(nameChangeLine('a.test', c)).toBe(
      '"a.test" covers a.test, b.test: adding c.test and dropping b.test (--replace-names)',
    );
  });
});
