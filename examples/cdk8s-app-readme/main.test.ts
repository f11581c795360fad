import { Testing } from 'cdk8s';
import { GatewayTester } from 'cdk8s-gateway';
import { Platform, Shop } from './main';

test('/api goes to the shop API; other paths are not routed', () => {
  const app = Testing.app();
  const platform = new Platform(app, 'platform');
  new Shop(app, 'shop', platform.shop);
  const gateway = GatewayTester.of(platform.gateway);

  expect(gateway.request({ method: 'GET', url: 'http://shop.example.com/api/orders' }).backends)
    .toEqual([expect.objectContaining({ namespace: 'shop', port: 8080, percent: 100 })]);
  expect(gateway.request({ method: 'GET', url: 'http://shop.example.com/' }).statusCode).toBe(404);
  expect(gateway.problems).toEqual([]); // not Accepted, unresolved references...: one line each
});
