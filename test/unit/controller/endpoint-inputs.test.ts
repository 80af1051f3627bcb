// What a new tracker may carry over from a profile's status: only addresses its policies enforce.
import { carriedOver } from '../../../src/controller/endpoint-inputs.js';

it('carries over only the addresses of status.fqdn that the owned policies enforce (a hand-edited status adds nothing)', () => {
  const profile = {
    metadata: { name: 'pay', namespace: 'shop' },
    status: {
      fqdn: [
        { name: 'a.example', addresses: ['192.0.2.1', '198.51.100.66'], resolvedAt: '2026-12-01T00:00:00Z' },
        { name: 'b.example', addresses: ['2001:db8::1'] },
        { name: 'c.example', addresses: ['203.0.113.9'] },
      ],
    },
  };
  const enforced = new Set(['192.0.2.1/32', '2001:db8::1/128']);
  expect([...carriedOver(profile, enforced)]).toEqual([
    ['a.example', { name: 'a.example', addresses: ['192.0.2.1'], resolvedAt: '2026-12-01T00:00:00Z' }],
    ['b.example', { name: 'b.example', addresses: ['2001:db8::1'] }],
  ]);
});
