/** Issue 14, item 11: text from elsewhere is shown to the terminal, never obeyed by it. */
import { describe, expect, it } from 'vitest';
import { printable, printableJson, printableLines } from '../../src/cli/format.ts';

describe('printable', () => {
  it('shows every control character, DEL, C1 and the bidi controls as an escape', () => {
    expect(printable('a\u001b[2Jb')).toBe('a\\x1b[2Jb');
    expect(printable('title\u001b]0;x\u0007')).toBe('title\\x1b]0;x\\x07');
    expect(printable('\u0000\u0008\u007f\u0085\u009b')).toBe('\\x00\\x08\\x7f\\x85\\x9b');
    expect(printable('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(printable('invoice\u202etxt.exe')).toBe('invoice\\u202etxt.exe');
    expect(printable('\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c\\u2028\\u2029',
    );
    // Text that is only text stays as it is, accents, scripts and emoji included.
    for (const text of ['Caldera (renamed)', 'Ünïcödé', 'مرحبا', '日本語', '📎 report.pdf', 'a\\x1b literal'])
      expect(printable(text)).toBe(text);
  });

  it('keeps the line breaks of text the CLI composed, and JSON valid and equal', () => {
    expect(printableLines('one\u001b\ntwo')).toBe('one\\x1b\ntwo');
    const value = { name: 'x\u202e\u009b\u007f\u001b', list: ['\u2066'] };
    const json = printableJson(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(/[\u007f-\u009f\u202e\u2066]/);
    expect(json).toContain('\n  "name"');
    expect(JSON.parse(json)).toEqual(value);
  });
});
