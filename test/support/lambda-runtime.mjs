// A Lambda Invoke stand-in: serves POST /2015-03-31/functions/{name}/invocations from real handler bundles
// in this process (its own environment, like a function's), with Lambda's answers for crashes and unknown names.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';

const functions = JSON.parse(process.env.STANDIN_FUNCTIONS ?? '{}'); // name -> bundle file
const loaded = new Map();

function load(name) {
  if (!loaded.has(name)) loaded.set(name, import(pathToFileURL(functions[name]).href));
  return loaded.get(name);
}

function nameOf(raw) {
  const decoded = decodeURIComponent(raw);
  const arn = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)(:.+)?$/.exec(decoded);
  return arn ? arn[1] : decoded;
}

const ROUTE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
let invocations = 0;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const match = ROUTE.exec(new URL(req.url, 'http://x').pathname);
    const requestId = randomUUID();
    const send = (status, body, headers = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...headers,
      });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/__stats') return send(200, { invocations });
    if (!match || req.method !== 'POST') return send(404, { message: 'not a Lambda Invoke route' });
    const name = nameOf(match[1]);
    if (!functions[name]) {
      return send(
        404,
        {
          Type: 'User',
          message: `Function not found: arn:aws:lambda:us-west-2:000000000000:function:${name}`,
        },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
    }
    invocations += 1;
    const context = {
      awsRequestId: requestId,
      functionName: name,
      getRemainingTimeInMillis: () => 15_000,
    };
    try {
      const event = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      const { handler } = await load(name);
      const result = await handler(event, context);
      send(200, result === undefined ? 'null' : JSON.stringify(result), {
        'x-amz-executed-version': '$LATEST',
      });
    } catch (error) {
      send(
        200,
        { errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error), trace: [] },
        { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
      );
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
