// The core HTTP API: it exists, its stage auto-deploys, its authorizer is what the handlers read, our route keys are free.
import {
  GetApiCommand,
  GetAuthorizerCommand,
  GetRoutesCommand,
  GetStageCommand,
  type Route,
} from '@aws-sdk/client-apigatewayv2';
import { CORE_AUTHORIZER, ownRoutes } from '../../../lib/core-contract';
import { isNotFound, unchecked } from '../aws';
import { physicalIds, type CheckContext } from '../context';
import { fail, ok, type Finding } from '../findings';

async function allRoutes(ctx: CheckContext, apiId: string): Promise<Route[]> {
  const routes: Route[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.clients.apigw.send(new GetRoutesCommand({ ApiId: apiId, NextToken }));
    routes.push(...(page.Items ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return routes;
}

async function stageFindings(ctx: CheckContext): Promise<Finding> {
  const { httpApiId, apiStageName, region } = ctx.settings;
  const subject = `stage ${apiStageName} of API ${httpApiId}`;
  try {
    const stage = await ctx.clients.apigw.send(
      new GetStageCommand({ ApiId: httpApiId, StageName: apiStageName }),
    );
    if (stage.AutoDeploy === true) return ok('api.stage', subject, 'auto-deploys');
    return fail(
      'api.stage',
      subject,
      'does not auto-deploy: routes our deploy adds stay unpublished until someone deploys the stage',
      `ask the core service to enable it (aws apigatewayv2 update-stage --region ${region} --api-id ${httpApiId} ` +
        `--stage-name '${apiStageName}' --auto-deploy), or run aws apigatewayv2 create-deployment --region ${region} ` +
        `--api-id ${httpApiId} --stage-name '${apiStageName}' after each deploy (README, deploy section)`,
    );
  } catch (error) {
    if (isNotFound(error)) {
      return fail(
        'api.stage',
        subject,
        'not found',
        `set apiStageName in lib/stages.ts to the stage that serves ${ctx.settings.apiUrl} ` +
          `(aws apigatewayv2 get-stages --region ${region} --api-id ${httpApiId})`,
      );
    }
    return unchecked('api.stage', subject, 'apigateway:GET on the API stage', error);
  }
}

async function authorizerFindings(ctx: CheckContext): Promise<Finding[]> {
  const { httpApiId, authorizerId, region } = ctx.settings;
  const subject = `authorizer ${authorizerId} on API ${httpApiId}`;
  const list = `aws apigatewayv2 get-authorizers --region ${region} --api-id ${httpApiId}`;
  try {
    const a = await ctx.clients.apigw.send(
      new GetAuthorizerCommand({ ApiId: httpApiId, AuthorizerId: authorizerId }),
    );
    const findings: Finding[] = [];
    if (a.AuthorizerType !== CORE_AUTHORIZER.type) {
      // Payload format and identity sources are properties of a Lambda authorizer: nothing more to compare.
      return [
        fail(
          'api.authorizer.type',
          subject,
          `is a ${a.AuthorizerType ?? 'untyped'} authorizer, not a Lambda (${CORE_AUTHORIZER.type}) authorizer: ` +
            'the handlers read the caller from requestContext.authorizer.lambda, which only a Lambda authorizer fills',
          `set authorizerId in lib/stages.ts to the core service's Lambda authorizer (${list})`,
        ),
      ];
    }
    if (a.AuthorizerPayloadFormatVersion !== CORE_AUTHORIZER.payloadFormatVersion) {
      findings.push(
        fail(
          'api.authorizer.payload',
          subject,
          `uses payload format ${a.AuthorizerPayloadFormatVersion ?? '(none)'}, not ${CORE_AUTHORIZER.payloadFormatVersion}: ` +
            'its context would not arrive where the handlers read it',
          `the core service sets the authorizer's payload format to 2.0 (aws apigatewayv2 update-authorizer --region ${region} ` +
            `--api-id ${httpApiId} --authorizer-id ${authorizerId} --authorizer-payload-format-version 2.0), or name its 2.0 authorizer`,
        ),
      );
    }
    const sources = [...(a.IdentitySource ?? [])].sort();
    const expected = [...CORE_AUTHORIZER.identitySource].sort();
    if (sources.join(',') !== expected.join(',')) {
      findings.push(
        fail(
          'api.authorizer.identity',
          subject,
          `takes its identity from ${sources.join(', ') || '(nothing)'}; the app sends ${expected.join(', ')}`,
          `the core service sets --identity-source '${expected.join(',')}' on the authorizer, or name the authorizer that reads it`,
        ),
      );
    }
    return findings.length > 0
      ? findings
      : [
          ok(
            'api.authorizer',
            subject,
            'Lambda (REQUEST) authorizer, payload 2.0, identity from the Authorization header',
          ),
        ];
  } catch (error) {
    if (isNotFound(error)) {
      return [
        fail(
          'api.authorizer',
          subject,
          'not found on the API',
          `set authorizerId in lib/stages.ts (${list})`,
        ),
      ];
    }
    return [unchecked('api.authorizer', subject, 'apigateway:GET on the authorizer', error)];
  }
}

async function routeFindings(ctx: CheckContext): Promise<Finding[]> {
  const { httpApiId } = ctx.settings;
  let routes: Route[];
  try {
    routes = await allRoutes(ctx, httpApiId);
  } catch (error) {
    return [unchecked('api.routes', `routes of API ${httpApiId}`, 'apigateway:GET on the routes', error)];
  }
  // Routes from an earlier deploy of this stack are ours to replace; any other holder of our key is a collision.
  const ours = new Set(physicalIds(ctx.stack, 'AWS::ApiGatewayV2::Route'));
  const findings = ownRoutes(ctx.settings.cors.preflight).flatMap((own) => {
    const taken = routes.filter((r) => r.RouteKey === own.routeKey && !ours.has(r.RouteId ?? ''));
    return taken.map((r) =>
      fail(
        'api.routes.collision',
        `route ${own.routeKey} on API ${httpApiId}`,
        `already exists (route ${r.RouteId}, target ${r.Target ?? 'none'}) and is not this stack's: the deploy would fail on it`,
        `the core service removes it (aws apigatewayv2 delete-route --region ${ctx.settings.region} --api-id ${httpApiId} ` +
          `--route-id ${r.RouteId}) if it is a leftover, e.g. of the earlier Serverless service; otherwise agree on another path`,
      ),
    );
  });
  return findings.length > 0
    ? findings
    : [
        ok(
          'api.routes',
          `routes of API ${httpApiId}`,
          `our ${ownRoutes(ctx.settings.cors.preflight).length} route keys are free or ours`,
        ),
      ];
}

/** Every finding about the core API; when the API itself is missing, only that one. */
export async function apiFindings(ctx: CheckContext): Promise<Finding[]> {
  const { httpApiId, region } = ctx.settings;
  const subject = `HTTP API ${httpApiId}`;
  try {
    const api = await ctx.clients.apigw.send(new GetApiCommand({ ApiId: httpApiId }));
    if (api.ProtocolType !== 'HTTP') {
      return [
        fail(
          'api.exists',
          subject,
          `is a ${api.ProtocolType} API, not an HTTP API`,
          `set httpApiId in lib/stages.ts to the core service's HTTP API (aws apigatewayv2 get-apis --region ${region})`,
        ),
      ];
    }
  } catch (error) {
    if (isNotFound(error)) {
      return [
        fail(
          'api.exists',
          subject,
          `not found in ${region}`,
          `set httpApiId (and region) in lib/stages.ts to the core service's HTTP API (aws apigatewayv2 get-apis --region ${region})`,
        ),
      ];
    }
    return [unchecked('api.exists', subject, 'apigateway:GET on the API', error)];
  }
  const [stage, authorizer, routes] = await Promise.all([
    stageFindings(ctx),
    authorizerFindings(ctx),
    routeFindings(ctx),
  ]);
  return [ok('api.exists', subject, `HTTP API in ${region}`), stage, ...authorizer, ...routes];
}
