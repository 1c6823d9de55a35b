import { describe, expect, it } from 'vitest';
import { FAULT_SPEC_HELP, parseFaultSpec } from '../../src/simulator/simulator.js';

describe('parseFaultSpec', () => {
  it.each([
    [
      'POST /v3/partner/accounts 503 x2',
      { method: 'POST', path: '/v3/partner/accounts', times: 2, kind: 'status', status: 503 },
    ],
    [
      'POST /v3/partner/accounts drop-after-store',
      { method: 'POST', path: '/v3/partner/accounts', times: 1, kind: 'drop-after-store' },
    ],
    [
      'post /v3/partner/accounts provision-later x1',
      { method: 'POST', path: '/v3/partner/accounts', times: 1, kind: 'provision-later' },
    ],
    ['* * latency:50 x*', { times: Infinity, kind: 'latency', ms: 50 }],
    ['GET * drop', { method: 'GET', times: 1, kind: 'drop' }],
    [
      'PUT /v3/partner/accounts/{id}/status/cancel 500',
      { method: 'PUT', path: '/v3/partner/accounts/{id}/status/cancel', times: 1, kind: 'status', status: 500 },
    ],
    [
      '  GET   /v3/partner/accounts   429  ',
      { method: 'GET', path: '/v3/partner/accounts', times: 1, kind: 'status', status: 429 },
    ],
  ])('%s', (spec, expected) => {
    expect(parseFaultSpec(spec)).toEqual(expected);
  });

  it('reads a path with regex characters as a regular expression', () => {
    const rule = parseFaultSpec('PUT /plan$ 500 x3');
    expect(rule).toMatchObject({ method: 'PUT', times: 3, kind: 'status', status: 500 });
    expect(rule.path).toBeInstanceOf(RegExp);
    expect((rule.path as RegExp).test('/v3/partner/accounts/a07e1abc/plan')).toBe(true);
    expect((rule.path as RegExp).test('/v3/partner/accounts/a07e1abc/plan/x')).toBe(false);
  });

  it.each([
    ['POST /v3/partner/accounts', /expected METHOD PATH ACTION/],
    ['POST /v3/partner/accounts 503 x0', /count "x0"/],
    ['POST /v3/partner/accounts 503 twice', /count "twice"/],
    ['POST v3/partner/accounts 503', /must start with \//],
    ['P0ST /v3/partner/accounts 503', /method "P0ST"/],
    ['POST /v3/partner/accounts explode', /action "explode"/],
    ['POST /v3/partner/accounts 99', /action "99"/],
    ['POST /v3/partner/accounts latency:fast', /action "latency:fast"/],
    ['POST /plan( 500', /not a regular expression/],
    ['POST /v3/partner/accounts 503 x2 extra', /expected METHOD PATH ACTION/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });

  it('documents every action and the count in its help text', () => {
    for (const word of ['drop-after-store', 'provision-later', 'latency:MS', 'x*', '/plan$', '{name}'])
      expect(FAULT_SPEC_HELP).toContain(word);
  });
});
