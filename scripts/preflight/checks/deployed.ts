// After a deploy: our routes reach our functions, token-access admits exactly the configured callers, the schedule
// runs, the stack's alarms exist.
import { GetIntegrationCommand, GetRouteCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetPolicyCommand } from '@aws-sdk/client-lambda';
import { ownRoutes } from '../../../lib/core-contract';
import type { HandlerName } from '../../../lib/handler-specs';
import { constructId } from '../../../lib/service-functions';
import { isNotFound, unchecked } from '../aws';
import { physicalIds, type CheckContext, type DeployedStack } from '../context';
import { fail, info, ok, type Finding } from '../findings';

const redeploy = 'deploy again (npm run deploy) to put it back; if it keeps drifting, find who changes it';

/** The deployed function name of a handler (its logical id starts with the handler's construct id). */
function functionName(stack: DeployedStack, handler: HandlerName): string | undefined {
  return stack.resources.find(
    (r) => r.type === 'AWS::Lambda::Function' && r.logicalId.startsWith(`Handlers${constructId(handler)}`),
  )?.physicalId;
}

async function routeFindings(ctx: CheckContext, stack: DeployedStack): Promise<Finding[]> {
  const ApiId = ctx.settings.httpApiId;
  try {
    const deployed = await Promise.all(
      physicalIds(stack, 'AWS::ApiGatewayV2::Route').map((RouteId) =>
        ctx.clients.apigw.send(new GetRouteCommand({ ApiId, RouteId })),
      ),
    );
    return Promise.all(
      ownRoutes(ctx.settings.cors.preflight).map(async (own) => {
        const subject = `route ${own.routeKey}`;
        const route = deployed.find((r) => r.RouteKey === own.routeKey);
        if (!route) return fail('deployed.routes', subject, 'is not on the API', redeploy);
        const integrationId = /^integrations\/(.+)$/.exec(route.Target ?? '')?.[1];
        const fn = functionName(stack, own.handler as HandlerName);
        if (!integrationId || !fn)
          return fail('deployed.routes', subject, `targets ${route.Target ?? 'nothing'}`, redeploy);
        const integration = await ctx.clients.apigw.send(
          new GetIntegrationCommand({ ApiId, IntegrationId: integrationId }),
        );
        return (integration.IntegrationUri ?? '').endsWith(`:function:${fn}`)
          ? ok('deployed.routes', subject, `reaches ${own.handler}`)
          : fail(
              'deployed.routes',
              subject,
              `reaches ${integration.IntegrationUri ?? 'nothing'}, not ${own.handler}`,
              redeploy,
            );
      }),
    );
  } catch (error) {
    return [unchecked('deployed.routes', 'our routes', 'apigateway:GET on routes and integrations', error)];
  }
}

async function tokenAccessFindings(ctx: CheckContext, stack: DeployedStack): Promise<Finding> {
  const fn = functionName(stack, 'token-access');
  const subject = 'token-access invoke permissions';
  if (!fn) return fail('deployed.token-access', subject, 'the function is not in the stack', redeploy);
  let statements: { Action?: string | string[]; Principal?: { AWS?: string | string[] } | string }[] = [];
  try {
    const { Policy } = await ctx.clients.lambda.send(new GetPolicyCommand({ FunctionName: fn }));
    statements = (JSON.parse(Policy ?? '{}') as { Statement?: typeof statements }).Statement ?? [];
  } catch (error) {
    if (!isNotFound(error)) return unchecked('deployed.token-access', subject, 'lambda:GetPolicy', error);
  }
  const callers = statements
    .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
    .flatMap((s) => (typeof s.Principal === 'string' ? [s.Principal] : [s.Principal?.AWS ?? []].flat()))
    .sort();
  const expected = [...ctx.settings.tokenAccessCallerRoleArns].sort();
  return callers.join(',') === expected.join(',')
    ? ok(
        'deployed.token-access',
        subject,
        expected.length ? `exactly ${expected.join(', ')}` : 'no caller configured',
      )
    : fail(
        'deployed.token-access',
        subject,
        `allows ${callers.join(', ') || 'no one'}; tokenAccessCallerRoleArns names ${expected.join(', ') || 'no one'}`,
        `remove the extra statements (aws lambda remove-permission --function-name ${fn} --statement-id <id>) or ${redeploy}`,
      );
}

async function scheduleFindings(ctx: CheckContext, stack: DeployedStack): Promise<Finding[]> {
  return Promise.all(
    physicalIds(stack, 'AWS::Events::Rule').map(async (Name) => {
      const subject = `schedule ${Name}`;
      try {
        const rule = await ctx.clients.events.send(new DescribeRuleCommand({ Name }));
        return rule.State === 'ENABLED'
          ? ok('deployed.schedule', subject, `enabled (${rule.ScheduleExpression ?? ''})`)
          : fail(
              'deployed.schedule',
              subject,
              `is ${rule.State ?? 'unknown'}: tokens are not refreshed ahead of expiry`,
              `enable it (aws events enable-rule --name ${Name}) or ${redeploy}`,
            );
      } catch (error) {
        return unchecked('deployed.schedule', subject, 'events:DescribeRule', error);
      }
    }),
  );
}

async function alarmFindings(ctx: CheckContext, stack: DeployedStack): Promise<Finding[]> {
  const names = physicalIds(stack, 'AWS::CloudWatch::Alarm');
  if (names.length === 0) return [info('deployed.alarms', 'alarms', 'the stack defines none')];
  try {
    const found = new Set<string>();
    for (let i = 0; i < names.length; i += 100) {
      const out = await ctx.clients.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }),
      );
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])])
        found.add(a.AlarmName ?? '');
    }
    const missing = names.filter((n) => !found.has(n));
    return missing.length === 0
      ? [ok('deployed.alarms', 'alarms', `all ${names.length} exist`)]
      : [fail('deployed.alarms', 'alarms', `missing: ${missing.join(', ')}`, redeploy)];
  } catch (error) {
    return [unchecked('deployed.alarms', 'alarms', 'cloudwatch:DescribeAlarms', error)];
  }
}

export async function deployedFindings(ctx: CheckContext): Promise<Finding[]> {
  const stack = ctx.stack;
  if (!stack) return [];
  const [routes, token, schedule, alarms] = await Promise.all([
    routeFindings(ctx, stack),
    tokenAccessFindings(ctx, stack),
    scheduleFindings(ctx, stack),
    alarmFindings(ctx, stack),
  ]);
  return [...routes, token, ...schedule, ...alarms];
}
