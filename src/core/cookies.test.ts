import { describe, expect, it } from 'vitest';
import { parseCookies, readCookie } from './cookies.js';

describe('parseCookies', () => {
  it("reads every pair of a browser's Cookie header, trimming the spaces around names and values", () => {
    expect([...parseCookies('tp_session=abc; tp_csrf=def;tp_click=0123 ')]).toEqual([
      ['tp_session', 'abc'],
      ['tp_csrf', 'def'],
      ['tp_click', '0123'],
    ]);
    expect([...parseCookies(' a = 1 ;b=2')]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('keeps "=" inside a value, an empty value, and the first of two same-named cookies', () => {
    expect(parseCookies('t=YWJj==; e=; t=second').get('t')).toBe('YWJj==');
    expect(parseCookies('t=YWJj==; e=; t=second').get('e')).toBe('');
  });

  it('skips a pair without "=" or without a name, and reads nothing from no header', () => {
    expect([...parseCookies('flag; =orphan; ok=1;;')]).toEqual([['ok', '1']]);
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies('').size).toBe(0);
  });
});

describe('readCookie', () => {
  it('is one cookie by its exact name, or undefined', () => {
    const header = 'xtp_click=no; tp_click=yes; tp_click_old=no';
    expect(readCookie(header, 'tp_click')).toBe('yes');
    expect(readCookie(header, 'TP_CLICK')).toBeUndefined();
    expect(readCookie('tp_click', 'tp_click')).toBeUndefined();
    expect(readCookie(undefined, 'tp_click')).toBeUndefined();
  });
});
