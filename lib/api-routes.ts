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
import { HANDLER_NAMES, HANDLERS } from './handler-specs';
import type { HandlerName, HandlerSpec } from './handler-specs';
import type { ServiceFunctions } from './service-functions';

export interface ApiRoutesProps {
  readonly httpApiId: string;
  /** Id of the core service's Lambda authorizer on that API. */
  readonly authorizerId: string;
  readonly functions: ServiceFunctions;
}

export interface RouteOutput {
  readonly handler: HandlerName;
  readonly method: string;
  readonly path: string;
}

export class ApiRoutes extends Construct {
  /** Every route added, in spec order. */
  readonly routes: RouteOutput[] = [];

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
  }
}
