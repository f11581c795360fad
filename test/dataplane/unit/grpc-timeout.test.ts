/** The grpc-timeout header as the gateway reads it (gRPC over HTTP/2: 1-8 digits and a unit). */
import { grpcTimeoutMs } from '../../../src/dataplane/proxy/grpc';

test.each([
  ['100m', 100],
  ['1S', 1000],
  ['2M', 120_000],
  ['1H', 3_600_000],
  ['1500u', 2],
  ['5n', 1],
  ['99999999m', 99_999_999],
])('grpc-timeout %s is %i ms', (header, ms) => {
  expect(grpcTimeoutMs(header)).toBe(ms);
});

test.each(['123456789m', '10', 'm', '1.5S', '-1S', '1 S', '1s'])('a malformed grpc-timeout (%s) sets no deadline', (header) => {
  expect(grpcTimeoutMs(header)).toBe(-1);
});
