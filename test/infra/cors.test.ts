// CORS on the stack: both preflight modes synthesize, the settings refuse what API Gateway cannot do, and the
// README's list of what the core API must allow is the code's.
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambda/shared/env-names';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS } from '../../lambda/shared/cors';
import { loadSettings } from '../../lib/config';
import { coreApiCors } from '../../lib/cors';
import { BROWSER_ROUTES } from '../../lib/handler-specs';
import { STAGES } from '../../lib/stages';
import { corsBlock, readmeBlock } from '../../scripts/cors-docs';
import { buildStage, functionId, resources } from './synth';

const dev = STAGES.dev as Record<string, unknown>;
const stages = {
  own: { ...dev, cors: { additionalOrigins: ['https://*.preview.listbackup.ai'] } },
  core: { ...dev, cors: { preflight: 'core-api', additionalOrigins: ['https://beta.listbackup.ai'] } },
};
const synth = (stage: keyof typeof stages) => Template.fromStack(buildStage(stage, stages).stack);
const routeKeys = (template: Template) =>
  Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
    (r) => [r.Properties.RouteKey, r.Properties.AuthorizationType] as [string, string],
  );
const env = (template: Template, handler: string) =>
  (
    resources(template)[functionId(template, handler)].Properties!.Environment as {
      Variables: Record<string, string>;
    }
  ).Variables;

describe("preflight 'own-routes' (the default)", () => {
  const template = synth('own');

  it('adds an OPTIONS route without authorizer on each browser route, to the preflight function', () => {
    const options = routeKeys(template).filter(([key]) => key.startsWith('OPTIONS '));
    expect(options.sort()).toEqual(BROWSER_ROUTES.map((r) => [`OPTIONS ${r.path}`, 'NONE']).sort());
    const preflight = functionId(template, 'cors-preflight');
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter((r) =>
      String(r.Properties.RouteKey).startsWith('OPTIONS '),
    )) {
      expect(route.Properties.AuthorizerId).toBeUndefined();
      const integrationId = String(route.Properties.Target['Fn::Join'][1][1].Ref);
      expect(resources(template)[integrationId].Properties!.IntegrationUri).toEqual({
        'Fn::GetAtt': [preflight, 'Arn'],
      });
    }
  });

  it('gives every handler the allowed origins: the app URL origin, then the additional ones', () => {
    for (const handler of ['oauth-start', 'oauth-complete', 'connection-disconnect', 'cors-preflight'])
      expect(JSON.parse(env(template, handler)[ENV.allowedOrigins])).toEqual([
        'https://app.dev.listbackup.ai',
        'https://*.preview.listbackup.ai',
      ]);
  });

  it('has no CoreApiCorsRequired output', () => {
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('CoreApiCorsRequired');
  });
});

describe("preflight 'core-api'", () => {
  const template = synth('core');

  it('adds no OPTIONS route and no preflight function; the other routes stay', () => {
    const keys = routeKeys(template).map(([key]) => key);
    expect(keys.filter((k) => k.startsWith('OPTIONS'))).toEqual([]);
    expect(keys).toHaveLength(5);
    expect(() => functionId(template, 'cors-preflight')).toThrow(/found 0/);
  });

  it('outputs what the core API must allow', () => {
    const output = (template.toJSON().Outputs as Record<string, { Value: string }>).CoreApiCorsRequired;
    expect(JSON.parse(output.Value)).toEqual({
      allowOrigins: ['https://app.dev.listbackup.ai', 'https://beta.listbackup.ai'],
      allowMethods: ['POST', 'DELETE'],
      allowHeaders: ['authorization', 'content-type'],
      allowCredentials: false,
      maxAge: 600,
    });
  });
});

describe('cors settings', () => {
  it('defaults to own-routes and no additional origin', () => {
    expect(loadSettings('dev').cors).toEqual({ preflight: 'own-routes', additionalOrigins: [] });
  });

  it.each([
    [{ preflight: 'api' }, /^stage x: cors\.preflight must be 'own-routes' or 'core-api'$/],
    [
      { additionalOrigins: ['https://app.example.com/'] },
      /^stage x: cors\.additionalOrigins\.0 must be origins/,
    ],
    [{ additionalOrigins: ['*'] }, /^stage x: cors\.additionalOrigins\.0 must be origins/],
    [
      { preflight: 'core-api', additionalOrigins: ['https://*.preview.listbackup.ai'] },
      /^stage x: cors must not use a \* pattern with preflight 'core-api'/,
    ],
  ])('refuses %p', (cors, message) => {
    expect(() => loadSettings('x', { x: { ...dev, cors } })).toThrow(message);
  });
});

describe('the README', () => {
  it('lists exactly what the code makes the core API allow (regenerate with npm run cors:docs)', () => {
    expect(readmeBlock()).toBe(corsBlock());
    const block = corsBlock();
    for (const item of [
      ...CORS_ALLOW_HEADERS,
      ...CORS_ALLOW_METHODS,
      ...coreApiCors(['https://app.dev.listbackup.ai']).allowOrigins,
    ])
      expect(block).toContain(`\`${item}\``);
  });
});
