import { describe, expect, it } from 'vitest';
import { parseJsonExact } from './exact-json.js';

describe('parseJsonExact', () => {
  it('keeps integers too long for a double as their digits, and leaves every other value as JSON.parse reads it', () => {
    expect(parseJsonExact('{"id":9007199254740993508,"order_id":9007199254740993509}')).toEqual({
      id: '9007199254740993508',
      order_id: '9007199254740993509',
    });
    expect(parseJsonExact('[-12345678901234567890, 123456789012345, 1.5, 1234567890123456.5, 1e21, 0, -3]')).toEqual([
      '-12345678901234567890',
      123456789012345,
      1.5,
      1234567890123456.5,
      1e21,
      0,
      -3,
    ]);
    expect(parseJsonExact(' { "a" : [ 1234567890123456789 ] } ')).toEqual({ a: ['1234567890123456789'] });
  });

  it('never touches digits inside strings, escaped quotes included', () => {
    const text =
      '{"note":"order 12345678901234567890 \\" 98765432109876543210","k\\\\":"\\\\","n":11112222333344445555}';
    expect(parseJsonExact(text)).toEqual({
      note: 'order 12345678901234567890 " 98765432109876543210',
      'k\\': '\\',
      n: '11112222333344445555',
    });
  });

  it('answers undefined for what is not JSON, and quoting never makes it valid', () => {
    for (const text of [
      '',
      '{',
      '{"id":0123456789012345678}',
      '{"a":"x 12345678901234567890}',
      '12345678901234567890x',
      '{"id":12345678901234567890',
      'nul',
    ]) {
      expect(parseJsonExact(text), text).toBeUndefined();
    }
    expect(parseJsonExact('null')).toBeNull();
  });
});
