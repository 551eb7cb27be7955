// Routes of this service on the core service's existing HTTP API, with its Lambda authorizer where the spec says so.
import { Validations } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpAuthorizer,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { BROWSER_ROUTES, HANDLER_NAMES, HANDLERS } from './handler-specs';
import type { HandlerName, HandlerSpec } from './handler-specs';
import type { ServiceFunctions } from './service-functions';
import type { PreflightMode } from './cors';

export interface ApiRoutesProps {
  readonly httpApiId: string;
  /** Id of the core service's Lambda authorizer on that API. */
  readonly authorizerId: string;
  readonly functions: ServiceFunctions;
  /** `own-routes`: an unauthorized OPTIONS route per browser route, answered by the preflight function. */
  readonly preflight: PreflightMode;
}

export interface RouteOutput {
  readonly handler: HandlerName;
  readonly method: string;
  readonly path: string;
}

export class ApiRoutes extends Construct {
  /** Every route added, in spec order. */
  readonly routes: RouteOutput[] = [];
  /** The OPTIONS routes added for preflights (none when the core API's CORS answers them). */
  readonly preflightRoutes: RouteOutput[] = [];

  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id);
    const httpApi = HttpApi.fromHttpApiAttributes(this, 'CoreApi', { httpApiId: props.httpApiId });
    // 'CUSTOM' is the CloudFormation authorization type of a Lambda authorizer on a route.
    const coreAuthorizer = HttpAuthorizer.fromHttpAuthorizerAttributes(this, 'CoreAuthorizer', {
      authorizerId: props.authorizerId,
      authorizerType: 'CUSTOM',
    });
    for (const name of HANDLER_NAMES) {
      const spec: HandlerSpec = HANDLERS[name];
      if (!spec.route) continue;
      const { method, path, authorization } = spec.route;
      const route = new HttpRoute(this, `${name}Route`, {
        httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod[method]),
        integration: new HttpLambdaIntegration(`${name}Integration`, props.functions.get(name)),
        authorizer: authorization === 'core-authorizer' ? coreAuthorizer : new HttpNoneAuthorizer(),
      });
      if (authorization === 'public') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            name === 'webhooks'
              ? 'Providers post webhooks without a ListBackup session; each delivery is authenticated by its signature ' +
                '(Shopify HMAC, Stripe-Signature, HighLevel Ed25519) before anything is parsed or written.'
              : "The provider redirects the user's browser here without a ListBackup token; the request is authenticated " +
                'by its one-time state, and nothing is stored until the signed-in user confirms through the complete route.',
        });
      }
      this.routes.push({ handler: name, method, path });
    }
    if (props.preflight !== 'own-routes') return;
    const preflight = HANDLER_NAMES.find((name) => (HANDLERS[name] as HandlerSpec).answersPreflights);
    if (!preflight) throw new Error('no handler answers preflights');
    const integration = new HttpLambdaIntegration('PreflightIntegration', props.functions.get(preflight));
    for (const route of BROWSER_ROUTES) {
      const id = `Preflight${this.preflightRoutes.length}`;
      const options = new HttpRoute(this, id, {
        httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod.OPTIONS),
        integration,
        // Browsers send preflights without credentials (Fetch standard, CORS-preflight request): an authorizer
        // would refuse every one of them.
        authorizer: new HttpNoneAuthorizer(),
      });
      Validations.of(options).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'A CORS preflight carries no credentials by definition; it answers only which origin, method and headers ' +
          'are allowed, reads nothing and writes nothing.',
      });
      this.preflightRoutes.push({ handler: preflight, method: 'OPTIONS', path: route.path });
    }
  }
}
