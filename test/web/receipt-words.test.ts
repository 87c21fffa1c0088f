// The receipt's words: every ledger entry kind and conversion status has plain words, a change reads with its sign,
// and entries keep the order they were made in.
import { describe, expect, it } from 'vitest';
import {
  actorWords,
  CONVERSION_STATUS_WORDS,
  payoutValue,
  ENTRY_WORDS,
  entriesInOrder,
  entriesTotal,
  entryWords,
  outcomeWords,
  signed,
  sourceWords,
  statusWords,
  type ReceiptEntry,
} from '../../web/shared/receipt-words.js';

const entry = (id: string, at: string, amountMinor: number): ReceiptEntry => ({
  id,
  kind: 'accrual',
  amount: (amountMinor / 100).toFixed(2),
  amountMinor,
  balance: '0',
  balanceMinor: 0,
  statusAfter: 'pending',
  actor: 'system',
  reason: '',
  at,
});

describe('receipt words', () => {
  it('words every entry kind of the ledger and every conversion status', () => {
    for (const k of [
      'opening',
      'accrual',
      'redecision',
      'refund',
      'reversal',
      'adjustment',
      'approval',
      'payout',
      'clawback',
    ])
      expect(ENTRY_WORDS[k], k).toMatch(/^[A-Z]/);
    for (const s of ['credited', 'unattributed', 'unverified', 'rejected', 'awaiting_order'])
      expect(CONVERSION_STATUS_WORDS[s], s).toMatch(/^[A-Z]/);
    expect(statusWords('unverified')).toBe('Waiting for review');
    expect(statusWords('awaiting_order')).toBe('Refund received before the order');
    expect(entryWords('clawback')).toBe('Taken back after payout');
    expect(entryWords('something_new')).toBe('something new');
    expect(outcomeWords('filled_in')).toBe('Details filled in');
    expect(sourceWords('pixel')).toMatch(/browser/);
    expect(sourceWords('postback')).toMatch(/server/);
  });

  it('reads a change with its sign and no float', () => {
    expect(signed('12.50')).toEqual({ sign: '+', size: '12.50' });
    expect(signed('-4.05')).toEqual({ sign: '−', size: '4.05' });
    expect(signed('0.00')).toEqual({ sign: '', size: '0.00' });
    expect(signed('-0')).toEqual({ sign: '', size: '0' });
  });

  it('writes a payout value of the settings as the offer API does, from the stored units when it is a number', () => {
    expect(payoutValue('12.5', 'percent', 2)).toBe('12.5');
    expect(payoutValue(1000, 'percent', 2)).toBe('10');
    expect(payoutValue(1250, 'percent', 2)).toBe('12.5');
    expect(payoutValue(1205, 'percent', 2)).toBe('12.05');
    expect(payoutValue(500, 'fixed', 2)).toBe('5.00');
    expect(payoutValue(7, 'fixed', 2)).toBe('0.07');
    expect(payoutValue(500, 'fixed', 0)).toBe('500');
  });

  it('names Touchpoint for the system and keeps a person as written', () => {
    expect(actorWords('system')).toBe('Touchpoint');
    expect(actorWords('The brand')).toBe('The brand');
    expect(actorWords('owner@acme.test')).toBe('owner@acme.test');
    expect(actorWords('user:usr_01abc', new Map([['usr_01abc', 'Olivia Owner']]))).toBe('Olivia Owner');
    expect(actorWords('user:usr_01xyz', new Map())).toBe('A team member');
    expect(actorWords('api_key:key_01m97e7ewdfgeb80fs8e1bjcy3')).toBe('API key …jcy3');
  });

  it('keeps entries in the order they were made, ties as listed, and sums them', () => {
    const list = [
      entry('b', '2030-01-02T00:00:00.000Z', -300),
      entry('a', '2030-01-01T00:00:00.000Z', 1200),
      entry('c', '2030-01-02T00:00:00.000Z', 0),
    ];
    expect(entriesInOrder(list).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(entriesTotal(list)).toBe(900);
  });
});
